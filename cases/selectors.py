"""Read queries for cases, and who may see what.

Visibility is part of every query: a case outside the caller's scope does not exist for them
(HTTP 404), whatever endpoint they use.

- applicant: cases filed for them or by them;
- window clerk: cases received at their office;
- handling officer: cases handled at their office, or with a (released) leg there;
- supervisor: cases with an office in their province;
- admin (superuser or the `cases.view_case` permission): all.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from . import roles, workflows
from .deadlines import local_date, near_due_limit
from .models import Case, CaseEvent, HandoffMessage, InboxEntry, Leg, Material, Office, Shipment, StaffProfile

OPEN_LEG_STATUSES = ("to_sign", "signed", "working")


@dataclass(frozen=True)
class Actor:
    user: object
    role: str  # applicant, window_clerk, handling_officer, supervisor, admin
    office: Office | None

    @property
    def office_id(self) -> int | None:
        return self.office.pk if self.office else None


def actor_for(user) -> Actor:
    profile = (
        StaffProfile.objects.select_related("office").filter(user_id=user.pk).first() if user.pk else None
    )
    if profile:
        return Actor(user, profile.role, profile.office)
    if user.is_superuser or user.has_perm("cases.view_case"):
        return Actor(user, "admin", None)
    return Actor(user, roles.APPLICANT, None)


def _leg_at(office_id: int):
    return Exists(Leg.objects.filter(case=OuterRef("pk"), office_id=office_id).exclude(status="planned"))


def cases_visible_to(user, actor: Actor | None = None) -> QuerySet[Case]:
    if not user or not user.is_authenticated:
        return Case.objects.none()
    actor = actor or actor_for(user)
    cases = Case.objects.all()
    if actor.role == "admin":
        return cases
    if actor.role == roles.WINDOW_CLERK:
        return cases.filter(Q(receiving_office_id=actor.office_id) | Q(handling_office_id=actor.office_id))
    if actor.role == roles.HANDLING_OFFICER:
        return cases.filter(
            Q(handling_office_id=actor.office_id)
            | Q(receiving_office_id=actor.office_id)
            | _leg_at(actor.office_id)
        )
    if actor.role == roles.SUPERVISOR:
        prefix = actor.office.region_id[:2]
        in_province = Exists(
            Leg.objects.filter(case=OuterRef("pk"), office__region__code__startswith=prefix).exclude(
                status="planned"
            )
        )
        return cases.filter(
            Q(receiving_office__region__code__startswith=prefix)
            | Q(handling_office__region__code__startswith=prefix)
            | in_province
        )
    return cases.filter(Q(applicant__user=user) | Q(submitted_by=user))


def is_owner(user, case: Case) -> bool:
    return bool(user.pk) and (case.applicant.user_id == user.pk or case.submitted_by_id == user.pk)


def may_see_personal_data(actor: Actor, case: Case) -> bool:
    """Only the staff handling the case (receiving, handling, leg office) and the applicant themselves."""
    if is_owner(actor.user, case):
        return True
    if actor.role not in (roles.WINDOW_CLERK, roles.HANDLING_OFFICER) or actor.office_id is None:
        return False
    offices = {case.receiving_office_id, case.handling_office_id}
    offices |= {leg.office_id for leg in case.legs.all() if leg.status != "planned"}
    return actor.office_id in offices


def case_list(user, actor: Actor | None = None) -> QuerySet[Case]:
    return cases_visible_to(user, actor).select_related(
        "item", "applicant", "receiving_office__region", "handling_office__region"
    )


def case_detail(user, number: str, actor: Actor | None = None) -> Case:
    """One case with everything its page shows; raises Case.DoesNotExist if out of the caller's scope."""
    pk = cases_visible_to(user, actor).filter(number=number).values_list("pk", flat=True).first()
    if pk is None:
        raise Case.DoesNotExist(number)
    return (
        Case.objects.select_related(
            "item__lead_department",
            "item_version",
            "applicant",
            "receiving_office__region",
            "handling_office__region",
        )
        .prefetch_related(
            Prefetch("legs", queryset=Leg.objects.select_related("office__region").order_by("position")),
            Prefetch("materials", queryset=Material.objects.order_by("id")),
            Prefetch(
                "shipments",
                queryset=Shipment.objects.select_related("from_office", "to_office").order_by("id"),
            ),
            Prefetch("events", queryset=CaseEvent.objects.order_by("id")),
            "suspensions",
            Prefetch(
                "handoffs", queryset=HandoffMessage.objects.select_related("to_office").order_by("created_at")
            ),
        )
        .get(pk=pk)
    )


def allowed_actions(actor: Actor, case: Case) -> list[dict]:
    """The actions the caller may take now, each with the leg it applies to and the input it needs."""
    owner = is_owner(actor.user, case)
    found = []
    for step in workflows.actions_from(case.mode, case.status):
        if workflows.may_take(step, role=actor.role, office_id=actor.office_id, is_owner=owner, case=case):
            found.append({"action": step.action, "leg": None, "needs": list(step.needs)})
    for leg in case.legs.all():
        for step in workflows.actions_from(case.mode, leg.status, on_leg=True):
            if workflows.may_take(
                step, role=actor.role, office_id=actor.office_id, is_owner=owner, case=case, leg=leg
            ):
                found.append({"action": step.action, "leg": leg.pk, "needs": list(step.needs)})
    return found


def overdue_q(today: date) -> Q:
    return Q(status__in=workflows.CLOCK_RUNNING, suspended_since__isnull=True, promised_due__lt=today)


def due_soon_q(today: date) -> Q:
    return Q(
        status__in=workflows.CLOCK_RUNNING,
        suspended_since__isnull=True,
        promised_due__gte=today,
        promised_due__lte=near_due_limit(today),
    )


def sign_overdue_q(today: date) -> Q:
    """A transfer or a leg not signed for by its sign-for date."""
    late_leg = Exists(Leg.objects.filter(case=OuterRef("pk"), status="to_sign", sign_due__lt=today))
    return Q(status="transferred", sign_due__lt=today) | Q(late_leg)


def inbox_for(actor: Actor, limit: int = 50) -> dict[str, list]:
    """What waits for the caller's office: arrivals, to sign, to accept, to decide, due soon, overdue."""
    office_id = actor.office_id
    today = local_date(timezone.now())
    mine = Case.objects.select_related("item", "receiving_office", "handling_office")
    at_handling = Q(handling_office_id=office_id)
    at_receiving = Q(receiving_office_id=office_id)
    deciding = Q(mode="joint", receiving_office_id=office_id) | (~Q(mode="joint") & at_handling)
    legs = Leg.objects.select_related("case__item", "case__receiving_office").filter(office_id=office_id)
    return {
        "arrivals": list(
            InboxEntry.objects.filter(office_id=office_id, done_at__isnull=True)
            .select_related("case__item", "message__from_office")
            .order_by("-created_at")[:limit]
        ),
        "to_sign": list(mine.filter(at_handling, status="transferred").order_by("sign_due", "id")[:limit]),
        "legs_to_sign": list(legs.filter(status="to_sign").order_by("sign_due", "id")[:limit]),
        "legs_open": list(legs.filter(status__in=("signed", "working")).order_by("sign_due", "id")[:limit]),
        "to_accept": list(
            mine.filter(
                (Q(mode="online") & at_handling & Q(status="submitted"))
                | (Q(mode="proxy") & at_handling & Q(status="signed"))
                | (Q(mode="joint") & at_receiving & Q(status="submitted"))
            ).order_by("id")[:limit]
        ),
        "to_decide": list(
            mine.filter(deciding, status__in=("accepted", "in_review", "legs_agreed")).order_by(
                "promised_due", "id"
            )[:limit]
        ),
        "due_soon": list(mine.filter(deciding, due_soon_q(today)).order_by("promised_due", "id")[:limit]),
        "overdue": list(mine.filter(deciding, overdue_q(today)).order_by("promised_due", "id")[:limit]),
    }


def handoffs_visible_to(actor: Actor) -> QuerySet[HandoffMessage]:
    """Admins see all messages; supervisors those touching their province; others none."""
    messages = HandoffMessage.objects.select_related("case", "from_office", "to_office").order_by(
        "-created_at"
    )
    if actor.role == "admin":
        return messages
    if actor.role == roles.SUPERVISOR:
        prefix = actor.office.region_id[:2]
        return messages.filter(
            Q(to_office__region__code__startswith=prefix) | Q(from_office__region__code__startswith=prefix)
        )
    return messages.none()


def track(number: str, id_tail: str) -> Case:
    """Public progress lookup; raises Case.DoesNotExist for a wrong number or tail alike."""
    case = (
        Case.objects.select_related(
            "item", "applicant", "receiving_office__region", "handling_office__region"
        )
        .prefetch_related(Prefetch("events", queryset=CaseEvent.objects.order_by("id")))
        .get(number=number)
    )
    if len(id_tail) != 4 or case.applicant.id_number[-4:].upper() != id_tail.upper():
        raise Case.DoesNotExist(number)
    return case
