"""Pages: the case page, one for every role, its actions, documents and printable notices.

Everything is built from `selectors.case_view`, as the API's detail is: a case out of the
caller's scope is a 404, personal data is shown through `identity.present_person` and
`present_actor`, and the only actions offered are `view.allowed_actions`. Acting posts to
`services.perform`, the one door the API uses too, with the version the page showed and a key
per rendered form (a double-click applies once).
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import re_path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from .. import identity, privacy, roles, selectors, services, workflows
from ..deadlines import local_date
from ..forms.actions import ActionForm, UploadForm
from ..models import Case, Material
from ..serializers import is_overdue

NUMBER = r"(?P<number>\d{6}-\d{8}-[OPJ]-\d+)"


def case_hrefs(name: str):
    """`reverse(name, args=[number])` for the many rows of a list at the cost of one reverse (15 µs
    each, 200 rows on the window's start page): the case number is the URL's only argument, and its
    characters (digits, letters, dashes; NUMBER) need no quoting."""
    sample = "000000-00000000-P-0"
    head, tail = reverse(name, args=[sample]).split(sample)
    return lambda number: f"{head}{number}{tail}"


def page_number(raw: str | None) -> int:
    """A list page's `?page=`: a whole number from 1; anything else is the first page (a link someone
    shortened or typed over), never an error."""
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 4 and int(raw) > 0 else 1


INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
# Shown as secondary buttons: they end or send back the work.
SECONDARY = frozenset({"refuse", "deny", "return", "return_leg", "disagree_leg", "withdraw", "suspend"})
# Printable notices: each exists once the event it reports does (the latest one is printed).
DOCUMENTS = {
    "acceptance": (gettext_lazy("Acceptance notice (受理通知书)"), ("accept",)),
    "correction": (gettext_lazy("Correction notice (补正材料通知书)"), ("request_correction",)),
    "refusal": (gettext_lazy("Decision not to accept (不予受理决定书)"), ("refuse",)),
    "result": (gettext_lazy("Result notice (办理结果通知书)"), ("approve", "deny", "leg_disagreed")),
}

# What a message between regions (a handoff's kind) says, in the inbox and on the case page.
MESSAGE_LABELS = {
    "submitted": gettext_lazy("Filed online"),
    "resubmitted": gettext_lazy("Corrected and resubmitted"),
    "transfer": gettext_lazy("Transferred to the handling office"),
    "materials_shipped": gettext_lazy("Originals shipped"),
    "signed": gettext_lazy("Signed for by the handling office"),
    "returned": gettext_lazy("Returned by the handling office"),
    "accepted": gettext_lazy("Accepted by the handling office"),
    "refused": gettext_lazy("Not accepted by the handling office"),
    "result_delivered": gettext_lazy("Result delivered online"),
    "result_shipped": gettext_lazy("Result sent by post"),
    "leg_created": gettext_lazy("A region's task sent"),
    "leg_signed": gettext_lazy("A region signed for its task"),
    "leg_returned": gettext_lazy("A region returned its task"),
    "leg_answered": gettext_lazy("A region answered"),
}


def _case_view(actor, number: str, *, revealed: bool = False) -> selectors.CaseView:
    try:
        return selectors.case_view(actor, number, revealed=revealed)
    except Case.DoesNotExist:
        raise Http404 from None


# --- Who acts now: read from the workflow table ---------------------------------------------------


def acting_now(case: Case) -> list[dict]:
    """Who may move the case (or one of its legs) on now, what they may do, and the date it is due.

    Read from the workflow table: the steps from the current status that change it, and the
    office each must be taken at. Dates are the case's own (sign-for, promised).
    """
    parties: dict[str, dict] = {}

    def add(who: str, step, due):
        party = parties.setdefault(who, {"who": who, "actions": [], "due": due})
        party["actions"].append(workflows.action_label(step.action))

    running = case.status in workflows.CLOCK_RUNNING and not case.suspended_since
    due = case.sign_due if case.status == "transferred" else case.promised_due if running else None
    for step in workflows.actions_from(case.mode, case.status):
        if roles.SYSTEM in step.roles or step.target == workflows.SAME:
            continue
        if step.office == workflows.OWNER:
            add(str(roles.ROLE_LABELS[roles.APPLICANT]), step, due)
        else:
            office = case.receiving_office if step.office == workflows.RECEIVING else case.handling_office
            add(_staff_of(office, step), step, due)
    for leg in case.legs.all():
        for step in workflows.actions_from(case.mode, leg.status, on_leg=True):
            if roles.SYSTEM not in step.roles:
                office = leg.office if step.office == workflows.LEG else case.receiving_office
                add(_staff_of(office, step), step, leg.sign_due if leg.status == "to_sign" else None)
    return list(parties.values())


def _staff_of(office, step) -> str:
    return f"{office.name} · " + "、".join(str(roles.ROLE_LABELS[role]) for role in step.roles)


def what_next(case: Case) -> str:
    parties = acting_now(case)
    if not parties:
        return _("Nothing more is to be done on this case.")
    lines = []
    for party in parties:
        names = {"who": party["who"], "actions": "、".join(party["actions"])}
        line = _("Next: %(who)s (%(actions)s)") % names
        if party["due"]:
            line += _(", by %(date)s") % {"date": party["due"].isoformat()}
        lines.append(line)
    return "；".join(lines) + "。"


# --- The page -----------------------------------------------------------------------------------


UPLOADS = ("add_material", "attach_result")  # actions that take a file: their own forms


def _order(entry) -> int:
    """Moving the case on first, then what needs input, then what ends or sends it back."""
    return 2 if entry["action"] in SECONDARY else 1 if entry["needs"] else 0


def _action_forms(view, bound=None) -> list[dict]:
    legs = {leg.pk: leg for leg in view.case.legs.all()}
    found = []
    for entry in sorted(view.allowed_actions, key=_order):
        if entry["action"] in UPLOADS:
            continue  # the upload forms
        key = (entry["action"], entry["leg"])
        form = bound if bound is not None and (bound.action, bound.leg) == key else None
        found.append(
            {
                "action": entry["action"],
                "label": workflows.action_label(entry["action"]),
                "leg": legs.get(entry["leg"]),
                "secondary": entry["action"] in SECONDARY,
                "form": form
                or ActionForm(
                    action=entry["action"], needs=entry["needs"], leg=entry["leg"], version=view.case.version
                ),
            }
        )
    return found


def _timeline(view) -> list[dict]:
    legs = {leg.pk: leg for leg in view.case.legs.all()}
    return [
        {
            "event": event,
            "label": workflows.action_label(event.action),
            "to": workflows.status_label(event.to_status) if not event.leg_id else "",
            "leg": legs.get(event.leg_id),
            "who": identity.present_actor(
                event.actor_name, event.actor_role, reveal=view.revealed, staff_view=view.staff_view
            )
            or _("the system"),
        }
        for event in view.case.events.all()
    ]


def _documents(case: Case, *, staff_view: bool) -> list[dict]:
    """The notices that exist for the case; the applicant's result notice once the result is theirs."""
    done = {event.action for event in case.events.all()}
    released = staff_view or selectors.result_released(case)
    return [
        {"slug": slug, "title": title}
        for slug, (title, actions) in DOCUMENTS.items()
        if done.intersection(actions) and (slug != "result" or released)
    ]


def _latest(case: Case, action: str):
    """The case's latest event of `action` (events are prefetched in order), or None."""
    events = [event for event in case.events.all() if event.action == action]
    return events[-1] if events else None


def _correction(case: Case) -> list[str]:
    """While a correction is requested: every missing material, as the notice lists them (一次性告知)."""
    if case.status != "correction_requested":
        return []
    event = _latest(case, "request_correction")
    return missing_items(event.note) if event else []


def _result(view) -> dict | None:
    """The applicant's result, once it was delivered online: when, the documents the deciding office
    attached (办理结果) to download, and the notice to open or save."""
    event = _latest(view.case, "deliver_online")
    if view.staff_view or event is None:
        return None
    documents = [m for m in view.case.materials.all() if m.kind == Material.Kind.RESULT and m.file]
    return {"delivered_at": event.created_at, "documents": documents}


def _render(request, view, *, bound=None, upload=None, error=None, notice="", status=200):
    case = view.case
    legs = case.legs.all()
    allowed = {entry["action"] for entry in view.allowed_actions}
    failed = bound or upload
    upload_form = result_form = None
    if "add_material" in allowed:
        upload_form = upload if upload is not None and not upload.result else UploadForm(item=case.item)
    if "attach_result" in allowed:
        result_form = (
            upload if upload is not None and upload.result else UploadForm(item=case.item, result=True)
        )
    context = {
        "view": view,
        "case": case,
        "applicant": identity.present_person(case.applicant, reveal=view.revealed),
        "delivery_address": identity.present_address(case.delivery_address, reveal=view.revealed),
        "status_label": workflows.status_label(case.status),
        "decision_label": workflows.status_label(case.decision) if case.decision else "",
        "overdue": is_overdue(case, local_date(timezone.now())),
        "acting_now": acting_now(case),
        "actions": _action_forms(view, bound),
        "upload_form": upload_form,
        "result_form": result_form,
        "failed_form": failed if failed is not None and failed.errors else None,
        "materials": [
            {"material": m, "viewable": bool(m.file) and (view.revealed or view.may_reveal)}
            for m in selectors.materials_visible(case, staff_view=view.staff_view)
        ],
        "legs": [
            {
                "leg": leg,
                "label": workflows.leg_status_label(leg.status),
                "after": next((other for other in legs if other.pk == leg.depends_on_id), None),
            }
            for leg in legs
        ],
        "timeline": _timeline(view),
        "handoffs": [
            {"message": message, "label": MESSAGE_LABELS.get(message.kind, message.kind)}
            for message in (case.handoffs.all() if view.staff_view else ())
        ],
        "documents": _documents(case, staff_view=view.staff_view),
        "missing": _correction(case),
        "result": _result(view),
        "error": error,
        "notice": notice,
    }
    response = render(request, "cases/case/detail.html", context, status=status)
    response["ETag"] = f'"{case.version}"'
    return response


def _forbidden(request, error) -> object:
    return render(request, "cases/case/forbidden.html", {"message": str(error)}, status=403)


def _conflict(error) -> dict:
    if getattr(error, "leg", None) is not None:
        status = workflows.leg_status_label(error.status)
    else:
        status = workflows.status_label(error.status) if error.status else ""
    return {
        "message": str(error),
        "status": status,
        "allowed": [workflows.action_label(action) for action in error.allowed],
    }


@never_cache
@login_required
def detail(request, number):
    return _render(request, _case_view(selectors.actor_for(request.user), number))


@never_cache
@login_required
@require_POST
def reveal(request, number):
    """查看完整信息: recorded, then this one response shows the data in full (nothing on GET reveals)."""
    actor = selectors.actor_for(request.user)
    try:
        privacy.reveal_personal_data(actor=actor, number=number, what=privacy.APPLICANT)
    except Case.DoesNotExist:
        raise Http404 from None
    except workflows.NotAllowed as error:
        return _forbidden(request, error)
    notice = _("Shown in full on this page only. Your reveal was recorded: who, office and time.")
    return _render(request, _case_view(actor, number, revealed=True), notice=notice)


@never_cache
@login_required
@require_POST
def act(request, number, action):
    """One action from the page, through `services.perform` as the API's action endpoint does."""
    actor = selectors.actor_for(request.user)
    view = _case_view(actor, number)
    try:
        steps = workflows.steps_for(view.case.mode, action)
    except workflows.UnknownAction:
        raise Http404 from None
    leg = _posted_int(request.POST.get("leg")) if steps[0].on_leg else None
    entry = next((e for e in view.allowed_actions if (e["action"], e["leg"]) == (action, leg)), None)
    if action in UPLOADS:
        form = UploadForm(request.POST, request.FILES, item=view.case.item, result=action == "attach_result")
        bound, upload = None, form
    else:
        # An action not possible now gets no required fields: perform says why (409 or 403).
        needs = entry["needs"] if entry else ()
        form = ActionForm(request.POST, action=action, needs=needs, leg=leg)
        bound, upload = form, None
    if not form.is_valid():
        return _render(request, view, bound=bound, upload=upload, status=400)
    try:
        outcome = services.perform(
            number=number,
            action=action,
            actor=actor,
            data=form.validated,
            idempotency_key=form.key,
            expected_version=form.cleaned_data.get("version"),
        )
    except Case.DoesNotExist:
        raise Http404 from None
    except workflows.NotAllowed as error:
        return _forbidden(request, error)
    except (workflows.InvalidTransition, services.Conflict) as error:
        return _render(request, _case_view(actor, number), error=_conflict(error), status=409)
    except ValidationError as error:
        for field, problems in getattr(error, "message_dict", {None: error.messages}).items():
            form.add_error(field if field in form.fields else None, problems)
        return _render(request, view, bound=bound, upload=upload, status=400)
    done = workflows.action_label(action)
    if outcome.replayed:
        messages.info(request, _("“%(action)s” was already done; it was not done twice.") % {"action": done})
    else:
        try:
            after = selectors.case_detail(request.user, number, actor)
        except Case.DoesNotExist:
            return redirect("cases:officer_inbox")
        messages.success(request, _("“%(action)s” done. ") % {"action": done} + what_next(after))
    return redirect("cases:detail", number=number)


def _posted_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@never_cache
@login_required
def material(request, number, material_id):
    """A material's file, inline in the browser where it can show it; the checks of the API's download.

    Staff opening a document reveal personal data: it is recorded, and refused (403) to those who may not.
    """
    actor = selectors.actor_for(request.user)
    try:
        case = selectors.case_detail(request.user, number, actor)
    except Case.DoesNotExist:
        raise Http404 from None
    item = selectors.visible_material(case, material_id, staff_view=actor.role != roles.APPLICANT)
    if item is None:
        raise Http404
    if not selectors.sees_personal_data_unmasked(actor, case):
        try:
            privacy.reveal_personal_data(actor=actor, number=number, what=privacy.material(item))
        except workflows.NotAllowed as error:
            return _forbidden(request, error)
    return FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=item.content_type not in INLINE_TYPES,
        filename=f"{case.number}-{item.pk}.{item.file.name.rsplit('.', 1)[-1]}",
    )


# --- Printable notices ----------------------------------------------------------------------------

NUMBERING = re.compile(r"^\s*(?:[(（]?\d+[)）.、．]|[-•·])\s*")


def missing_items(note: str) -> list[str]:
    """The missing materials of a correction request: one per line (or per ；), numbering dropped."""
    parts = re.split(r"[\n；;]+", note or "")
    return [NUMBERING.sub("", part).strip() for part in parts if NUMBERING.sub("", part).strip()]


@never_cache
@login_required
def print_document(request, number, document):
    """A notice built from the case and its event: available only once that event exists."""
    if document not in DOCUMENTS:
        raise Http404
    title, actions = DOCUMENTS[document]
    view = _case_view(selectors.actor_for(request.user), number)
    events = [event for event in view.case.events.all() if event.action in actions]
    available = {doc["slug"] for doc in _documents(view.case, staff_view=view.staff_view)}
    if not events or document not in available:
        raise Http404
    event = events[-1]
    deciding = view.case.receiving_office if view.case.mode == "joint" else view.case.handling_office
    context = {
        "view": view,
        "case": view.case,
        "event": event,
        "title": title,
        "issuer": event.office_name or deciding.name,
        # Masked for everyone but the applicant: a notice printed by staff carries no full ID.
        "applicant": identity.present_person(view.case.applicant, reveal=view.revealed),
        "missing": missing_items(event.note) if document == "correction" else [],
        "approved": event.action == "approve",
    }
    return render(request, f"cases/case/print_{document}.html", context)


urlpatterns = [
    re_path(rf"^cases/{NUMBER}/$", detail, name="detail"),
    re_path(rf"^cases/{NUMBER}/reveal/$", reveal, name="reveal"),
    re_path(rf"^cases/{NUMBER}/act/(?P<action>[a-z_]+)/$", act, name="act"),
    re_path(rf"^cases/{NUMBER}/materials/(?P<material_id>\d+)/$", material, name="material"),
    re_path(rf"^cases/{NUMBER}/print/(?P<document>[a-z]+)/$", print_document, name="print"),
]
