"""Pages of window clerks: the start page of their hall, 收件 (receiving paper for another region),
the 受理回执 (receipt) and the 移交单 (transfer sheet) to print.

The lists come from `selectors.received_here`, the clerk's own hall's cases, each a page of PAGE
rows at a time (?waiting=2: each list pages on its own); filing goes through
`forms.apply.file_application` (registration and the scans, one transaction) after the API's
`CaseCreateSerializer` (forms/clerk.py). Every step after receipt (formal review, identity check,
transfer, shipment of the originals, result, pickup) is done on the one case page, `cases:detail`.
"""

from datetime import datetime, time, timedelta

import segno
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case as Choose
from django.db.models import Exists, OuterRef, Q, Subquery, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from catalogue.models import Region

from .. import identity, roles, selectors, workflows
from ..deadlines import local_date
from ..forms.apply import UploadRefused, file_application, max_upload_mb
from ..forms.clerk import ItemChoiceForm, ReceiveForm, proxy_items
from ..models import Case, CaseEvent, Material, Mode, Office, Shipment
from .case_page import NUMBER, case_hrefs, page_number

PAGE = 20  # rows a page of each list
WAITING = ("received", "reviewed", "identity_checked", "correction_requested", "returned")
# Where the originals can be mailed from (the workflow's `ship_materials` step).
SHIP_FROM = workflows.steps_for(Mode.PROXY, "ship_materials")[0].sources


def _clerk_or_none(request) -> selectors.Actor | None:
    actor = selectors.actor_for(request.user)
    return actor if actor.role == roles.WINDOW_CLERK and actor.office is not None else None


def _clerk(request) -> selectors.Actor:
    actor = _clerk_or_none(request)
    if actor is None:
        raise PermissionDenied
    return actor


def _hall_case(request, number: str) -> Case:
    """A case received at the requesting clerk's own hall; 404 for anyone else (the number says nothing)."""
    actor = _clerk_or_none(request)
    if actor is None:
        raise Http404
    try:
        case = selectors.case_detail(request.user, number, actor)
    except Case.DoesNotExist:
        raise Http404 from None
    if case.receiving_office_id != actor.office_id or case.mode != Mode.PROXY:
        raise Http404
    return case


# The columns a row of the start page shows (read as values: no model is built for a row).
ROW_VALUES = ("number", "status", "item__name", "applicant__name", "applicant__kind", "handling_office__name")


def _rows(cases, detail, sheet) -> list[dict]:
    return [
        {
            "number": case["number"],
            "href": detail(case["number"]),
            "sheet": sheet(case["number"]),
            "item": case["item__name"],
            "office": case["handling_office__name"] or "",
            "status": case["status"],
            "status_label": workflows.status_label(case["status"]),
            "name": identity.present_name(
                case["applicant__name"], reveal=False, kind=case["applicant__kind"]
            ),
            # The parcel of originals: mailed (its 移交单 to print again), or still to be mailed.
            "shipped": case["materials_shipped"],
            "to_ship": case["status"] in SHIP_FROM and not case["materials_shipped"],
            "return_reason": case.get("return_reason"),
        }
        for case in cases
    ]


@never_cache
@login_required
def home(request):
    actor = _clerk(request)
    today = local_date(timezone.now())
    start = timezone.make_aware(datetime.combine(today, time.min))  # Beijing midnight
    parcel = Shipment.objects.filter(case=OuterRef("pk"), kind=Shipment.Kind.MATERIALS)
    hall = selectors.received_here(actor).annotate(materials_shipped=Exists(parcel))
    last_return = (
        CaseEvent.objects.filter(case=OuterRef("pk"), action="return").order_by("-id").values("note")[:1]
    )
    lists = {
        # A range, not created_at__date: the index on (receiving office, filed at) finds today's cases.
        "received_today": hall.filter(
            created_at__gte=start, created_at__lt=start + timedelta(days=1)
        ).order_by("-id"),
        # The window's next step: review, identity, transfer, correction, or mailing the originals.
        "waiting": hall.filter(
            Q(status__in=WAITING) | Q(status__in=SHIP_FROM, materials_shipped=False)
        ).order_by("created_at", "id"),
        "pickup": hall.filter(status="ready_for_pickup").order_by("updated_at", "id"),
        "returned": hall.filter(status="returned").order_by("updated_at", "id"),
    }
    # Each list pages on its own (?waiting=2); one row more tells if there is a next page. Every
    # list's ids in one statement, then their rows in one (as values: no model is built for a row).
    pages = {name: page_number(request.GET.get(name)) for name in lists}
    ids, _counts = selectors.listed_ids(
        lists, PAGE + 1, offsets={name: (page - 1) * PAGE for name, page in pages.items()}
    )
    wanted = {pk for listed in ids.values() for pk in listed}
    found = {
        row["pk"]: row
        for row in hall.filter(pk__in=wanted)
        # Why it came back, for the returned cases' list (their last 退回 event).
        .annotate(return_reason=Choose(When(status="returned", then=Subquery(last_return))))
        .values("pk", *ROW_VALUES, "materials_shipped", "return_reason")
    }
    detail, sheet = case_hrefs("cases:detail"), case_hrefs("cases:clerk_transfer_sheet")
    context = {}
    for name, listed in ids.items():
        rows = _rows([found[pk] for pk in listed if pk in found], detail, sheet)
        page = pages[name]
        context[name] = {"name": name, "rows": rows[:PAGE], "page": page, "has_next": len(rows) > PAGE}
    context.update(actor=actor, today=today)
    return render(request, "cases/clerk/home.html", context)


# --- 收件 ----------------------------------------------------------------------------------------


@never_cache
@login_required
def receive(request):
    """Step 1 without `item`: choose it (GET `?item=CODE`); step 2 with it: the item's own form."""
    actor = _clerk(request)
    sent = request.POST if request.method == "POST" else request.GET
    if "item" not in sent and request.method != "POST":
        return _choose_item(
            request, actor, ItemChoiceForm(items=proxy_items(request.GET.get("q", "").strip()))
        )
    chooser = ItemChoiceForm({"item": sent.get("item", "")}, items=proxy_items())
    if not chooser.is_valid():
        return _choose_item(request, actor, chooser, status=400)
    item = chooser.chosen
    if request.method != "POST":
        return _receive_page(request, actor, ReceiveForm(actor=actor, item=item))
    form = ReceiveForm(request.POST, request.FILES, actor=actor, item=item)
    if form.is_valid():
        try:
            outcome = file_application(actor=actor, form=form)
        except UploadRefused as refused:
            for message in refused.error.messages:
                form.add_error(refused.field, message)
        except ValidationError as error:
            form.add_errors(error)
        else:
            return redirect("cases:clerk_receipt", number=outcome.case.number)
    return _receive_page(request, actor, form, status=400)


def _choose_item(request, actor, chooser: ItemChoiceForm, status: int = 200):
    search = request.GET.get("q", "").strip()
    context = {"actor": actor, "chooser": chooser, "search": search}
    return render(request, "cases/clerk/receive_item.html", context, status=status)


def _receive_page(request, actor, form: ReceiveForm, status: int = 200):
    context = {"actor": actor, "form": form, "item": form.item, "max_upload_mb": max_upload_mb()}
    return render(request, "cases/clerk/receive.html", context, status=status)


# --- Printed sheets ------------------------------------------------------------------------------


def tracking_url(request, number: str) -> str:
    return request.build_absolute_uri(f"{reverse('cases:track')}?{urlencode({'number': number})}")


def handed_in(case: Case) -> list[Material]:
    """The materials handed in (not results), in the order of the item's checklist, then the others."""
    order = {pk: i for i, pk in enumerate(case.item.materials.values_list("pk", flat=True))}
    rows = [m for m in case.materials.all() if m.kind != Material.Kind.RESULT]
    return sorted(rows, key=lambda m: (order.get(m.requirement_id, len(order)), m.pk))


@never_cache
@login_required
def receipt(request, number: str):
    case = _hall_case(request, number)
    url = tracking_url(request, case.number)
    version = case.item_version
    return render(
        request,
        "cases/clerk/receipt.html",
        {
            "case": case,
            "applicant": identity.present_person(case.applicant, reveal=False),
            "delivery_address": identity.present_address(case.delivery_address, reveal=False),
            "materials": handed_in(case),
            "promised_days": getattr(version, "promised_days", None),
            "track_url": url,
            "qr_svg": segno.make(url, error="m").svg_inline(scale=4),
            "received_at": timezone.localtime(case.created_at),
        },
    )


def _region_path(office: Office, names: dict[str, str]) -> str:
    code = office.region_id
    levels = dict.fromkeys(names[c] for c in (code[:2] + "0000", code[:4] + "00", code) if c in names)
    return " ".join(levels)


@never_cache
@login_required
def transfer_sheet(request, number: str):
    """The 移交单: what goes in the parcel of paper to the handling office, for the clerks on both ends.

    It prints before the parcel is mailed too ("not mailed yet", with blank lines for the carrier
    and the tracking number): the sheet goes into the parcel, and a courier's number is often known
    only once the parcel is handed over. Once `ship_materials` recorded a shipment it lists every
    parcel of originals with its carrier, number, time (Beijing) and who mailed it. The materials
    are the case's record: originals mailed (原件寄递) first, then the copies and other paper.
    Only the clerks of the receiving hall open it (404 for anyone else, as for the receipt).
    """
    case = _hall_case(request, number)
    parcels = list(
        case.shipments.filter(kind=Shipment.Kind.MATERIALS).select_related("shipped_by").order_by("id")
    )
    offices = (case.receiving_office, case.handling_office)
    codes = {c for o in offices for c in (o.region_id[:2] + "0000", o.region_id[:4] + "00", o.region_id)}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    rows = handed_in(case)
    return render(
        request,
        "cases/clerk/transfer_sheet.html",
        {
            "case": case,
            "applicant": identity.present_person(case.applicant, reveal=False),
            "from_region": _region_path(case.receiving_office, names),
            "to_region": _region_path(case.handling_office, names),
            "parcels": [
                {
                    "shipment": parcel,
                    "shipped_by": identity.present_actor(
                        parcel.shipped_by.get_full_name() or parcel.shipped_by.get_username(),
                        roles.WINDOW_CLERK,
                        reveal=False,
                        staff_view=True,
                    )
                    if parcel.shipped_by
                    else "",
                }
                for parcel in parcels
            ],
            "originals": [m for m in rows if m.original_on_paper],
            "copies": [m for m in rows if not m.original_on_paper],
            "count": len(rows),
            "printed_at": timezone.localtime(),
        },
    )


urlpatterns = [
    path("clerk/", home, name="clerk_home"),
    path("clerk/receive/", receive, name="clerk_receive"),
    re_path(rf"^clerk/cases/{NUMBER}/receipt/$", receipt, name="clerk_receipt"),
    re_path(rf"^clerk/cases/{NUMBER}/transfer-sheet/$", transfer_sheet, name="clerk_transfer_sheet"),
]
