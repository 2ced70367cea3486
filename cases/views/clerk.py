"""Pages of window clerks: the start page of their hall, 收件 (receiving paper for another region)
and the 受理回执 (receipt) to print.

The lists come from `selectors.case_list` for the clerk's own hall; filing goes through
`registration.register_case` after the API's `CaseCreateSerializer` (forms/clerk.py). Every
step after receipt (transfer, review, identity check, shipment, result, pickup) is done on the one
case page, `cases:detail`.
"""

import segno
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache

from catalogue.models import ServiceItem

from .. import identity, registration, roles, selectors, workflows
from ..deadlines import local_date
from ..forms.clerk import ReceiveForm
from ..models import Case, CaseEvent
from .case_page import NUMBER

LIMIT = 50
WAITING = ("received", "reviewed", "identity_checked", "correction_requested", "returned")


def _clerk(request) -> selectors.Actor:
    actor = selectors.actor_for(request.user)
    if actor.role != roles.WINDOW_CLERK or actor.office is None:
        raise PermissionDenied
    return actor


def _rows(cases) -> list[dict]:
    return [
        {
            "case": case,
            "status_label": workflows.status_label(case.status),
            "name": identity.present_name(case.applicant.name, reveal=False, kind=case.applicant.kind),
        }
        for case in cases
    ]


@never_cache
@login_required
def home(request):
    actor = _clerk(request)
    today = local_date(timezone.now())
    hall = selectors.case_list(request.user, actor).filter(receiving_office_id=actor.office_id)
    last_return = (
        CaseEvent.objects.filter(case=OuterRef("pk"), action="return").order_by("-id").values("note")[:1]
    )
    lists = {
        "received_today": hall.filter(created_at__date=today).order_by("-id")[:LIMIT],
        "waiting": hall.filter(status__in=WAITING).order_by("created_at")[:LIMIT],
        "pickup": hall.filter(status="ready_for_pickup").order_by("updated_at")[:LIMIT],
        "returned": hall.filter(status="returned")
        .annotate(return_reason=Subquery(last_return))
        .order_by("updated_at")[:LIMIT],
    }
    context = {name: _rows(cases) for name, cases in lists.items()}
    context.update(actor=actor, today=today)
    return render(request, "cases/clerk/home.html", context)


@never_cache
@login_required
def receive(request):
    actor = _clerk(request)
    item = None
    if request.method != "POST" and request.GET.get("item"):
        item = ServiceItem.objects.filter(
            code=request.GET["item"], status=ServiceItem.Status.PUBLISHED, supports_proxy=True
        ).first()
    if request.method != "POST":
        form = ReceiveForm(actor=actor, item=item)
        return render(request, "cases/clerk/receive.html", {"form": form, "actor": actor})
    form = ReceiveForm(request.POST, actor=actor)
    if form.is_valid():
        try:
            with transaction.atomic():
                outcome = registration.register_case(
                    actor=actor, data=form.validated, idempotency_key=form.key
                )
        except ValidationError as error:
            form.add_errors(error)
        else:
            return redirect("cases:clerk_receipt", number=outcome.case.number)
    return render(request, "cases/clerk/receive.html", {"form": form, "actor": actor}, status=400)


def tracking_url(request, number: str) -> str:
    return request.build_absolute_uri(f"{reverse('cases:track')}?{urlencode({'number': number})}")


@never_cache
@login_required
def receipt(request, number: str):
    actor = _clerk(request)
    try:
        case = selectors.case_view(actor, number).case
    except Case.DoesNotExist:
        raise Http404 from None
    if case.receiving_office_id != actor.office_id:
        raise Http404
    url = tracking_url(request, case.number)
    version = case.item_version
    return render(
        request,
        "cases/clerk/receipt.html",
        {
            "case": case,
            "applicant": identity.present_person(case.applicant, reveal=False),
            "materials": list(case.materials.all()),
            "promised_days": getattr(version, "promised_days", None),
            "track_url": url,
            "qr_svg": segno.make(url, error="m").svg_inline(scale=4),
            "received_at": timezone.localtime(case.created_at),
        },
    )


urlpatterns = [
    path("clerk/", home, name="clerk_home"),
    path("clerk/receive/", receive, name="clerk_receive"),
    re_path(rf"^clerk/cases/{NUMBER}/receipt/$", receipt, name="clerk_receipt"),
]
