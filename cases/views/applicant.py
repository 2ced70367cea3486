"""Pages of applicants: apply online for an item, the confirmation, 我的办件 and 我的消息 (专属空间).

Filing goes through `registration.register_case` and `services.perform` (the API's doors), in
`forms.apply.file_application`; the lists come from `selectors.case_list` and
`notifications.messages_for`. Due-date flags are the selectors' own conditions (`overdue_q`,
`due_soon_q`), and who acts now is read from the workflow table (`case_page.acting_now`).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, re_path
from django.utils import timezone
from django.views.decorators.cache import never_cache

from catalogue import selectors as catalogue_selectors
from catalogue.models import ServiceItem

from .. import identity, notifications, registration, roles, selectors, workflows
from ..deadlines import local_date
from ..forms.apply import (
    ApplyForm,
    UploadRefused,
    applicant_modes,
    file_application,
    max_body_mb,
    max_upload_mb,
)
from ..models import ApplicantProfile, Case, Leg
from .case_page import NUMBER, acting_now

PAGE_SIZE = 20


def _is_staff(actor: selectors.Actor) -> bool:
    return actor.role != roles.APPLICANT or actor.user.is_staff


def _staff_refused(request, actor):
    return render(request, "cases/applicant/staff_refused.html", {"actor": actor}, status=403)


def _own(person) -> dict:
    """The account's own data, in full but for the ID number, masked on screen and on paper."""
    return {
        **identity.present_person(person, reveal=True),
        "id_number": identity.present_person(person, reveal=False)["id_number"],
    }


def _why_not(item: ServiceItem, profile: ApplicantProfile | None) -> str:
    """Why this account cannot apply for this item online, or "" (registration's own rules and words)."""
    if profile is None:
        return "no_profile"
    if item.status != ServiceItem.Status.PUBLISHED or not applicant_modes(item):
        return "not_online"
    if registration.audience_error(item, profile.kind):
        return "audience"
    return ""


# --- Apply ------------------------------------------------------------------------------------


@never_cache
@login_required
def apply(request, item_code: str):
    try:
        item = catalogue_selectors.item_guide_for(request.user, item_code)
    except ServiceItem.DoesNotExist:
        raise Http404 from None
    actor = selectors.actor_for(request.user)
    if _is_staff(actor):
        return _staff_refused(request, actor)
    profile = ApplicantProfile.objects.filter(user_id=request.user.pk).first()
    context = {
        "item": item,
        "profile": profile,
        "max_upload_mb": max_upload_mb(),
        "max_body_mb": max_body_mb(),
    }
    blocked = _why_not(item, profile)
    if blocked:
        context["blocked"] = blocked
        if blocked == "audience":
            context["audience_error"] = registration.audience_error(item, profile.kind)
        return render(
            request, "cases/applicant/apply.html", context, status=400 if request.method == "POST" else 200
        )
    context["identity"] = {**_own(profile), "id_type": profile.get_id_type_display()}
    if request.method != "POST":
        context["form"] = ApplyForm(item=item, profile=profile, actor=actor)
        return render(request, "cases/applicant/apply.html", context)

    form = ApplyForm(request.POST, request.FILES, item=item, profile=profile, actor=actor)
    if form.is_valid():
        try:
            outcome = file_application(actor=actor, form=form)
        except UploadRefused as refused:
            for message in refused.error.messages:
                form.add_error(refused.field, message)
        except ValidationError as error:
            form.add_errors(error)
        else:
            return redirect("cases:submitted", number=outcome.case.number)
    context.update(form=form, files_chosen=bool(request.FILES))
    return render(request, "cases/applicant/apply.html", context, status=400)


@never_cache
@login_required
def submitted(request, number: str):
    actor = selectors.actor_for(request.user)
    try:
        view = selectors.case_view(actor, number)
    except Case.DoesNotExist:
        raise Http404 from None
    if not selectors.is_owner(request.user, view.case):
        raise Http404
    case = view.case
    return render(
        request,
        "cases/applicant/submitted.html",
        {
            "case": case,
            "applicant": _own(case.applicant),
            "status_label": workflows.status_label(case.status),
            "acting": _acting(case),
            "materials": _materials(case),
            "needs_mandate": bool(case.applicant.agent_user_id)
            and not any(m.kind == "mandate" for m in case.materials.all()),
        },
    )


def _materials(case: Case) -> list[dict]:
    """Each material with what it is for: the required material of the guide, or the mandate."""
    wanted = {r.pk: r.name for r in case.item.materials.all()}
    return [
        {
            "material": m,
            "for": m.get_kind_display() if m.kind != "material" else wanted.get(m.requirement_id, ""),
        }
        for m in case.materials.all()
    ]


# --- 专属空间: my cases and my messages ------------------------------------------------------


def _acting(case: Case) -> dict:
    """Who acts now, for the applicant: the offices, or "you" when only the applicant can move it."""
    you = str(roles.ROLE_LABELS[roles.APPLICANT])
    parties = acting_now(case)
    offices = [p for p in parties if p["who"] != you]
    mine = [p for p in parties if p["who"] == you]
    return {"offices": offices, "you": mine[0] if mine and not offices else None}


@never_cache
@login_required
def my_cases(request):
    actor = selectors.actor_for(request.user)
    if _is_staff(actor):
        return _staff_refused(request, actor)
    today = local_date(timezone.now())
    cases = (
        selectors.case_list(request.user, actor)
        .annotate(
            is_overdue=ExpressionWrapper(selectors.overdue_q(today), output_field=BooleanField()),
            is_due_soon=ExpressionWrapper(selectors.due_soon_q(today), output_field=BooleanField()),
        )
        .prefetch_related(
            Prefetch("legs", queryset=Leg.objects.select_related("office").order_by("position"))
        )
        .order_by("-id")
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"case": case, "acting": _acting(case), "status_label": workflows.status_label(case.status)}
        for case in page
    ]
    return render(
        request,
        "cases/applicant/my_cases.html",
        {"page": page, "rows": rows, "unread": notifications.unread_count(request.user), "today": today},
    )


@never_cache
@login_required
def my_messages(request):
    page = Paginator(notifications.messages_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page)
    # Opening the page reads what it shows: the "new" marks are as they were before this visit.
    rows = [{"message": n, "text": notifications.describe(n), "new": n.read_at is None} for n in shown]
    notifications.mark_read(user=request.user, ids=[n.pk for n in shown if n.read_at is None])
    return render(
        request,
        "cases/applicant/my_messages.html",
        {
            "page": page,
            "rows": rows,
            "new_here": sum(row["new"] for row in rows),
            "unread": notifications.unread_count(request.user),
        },
    )


urlpatterns = [
    path("apply/<str:item_code>/", apply, name="apply"),
    re_path(rf"^my/cases/{NUMBER}/submitted/$", submitted, name="submitted"),
    path("my/", my_cases, name="my_cases"),
    path("my/messages/", my_messages, name="my_messages"),
]
