"""The statutory clock of a case: start at acceptance, stop for corrections and 特殊环节, move on resume.

Due dates are snapshot on the case when it is accepted, from the item version it was filed
under, and are never recomputed from later item edits. A suspension from day S to day E does
not count the working days after S up to and including E; resuming moves both due dates by
that many working days. Each interval is kept as a `Suspension` row. A limit of 0 working
days (即办, done on the spot) is due the day of acceptance; an item without a limit runs on
settings.DEFAULT_TIME_LIMIT_DAYS.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from . import handoffs, roles
from .calendar import Calendar
from .models import Case, Leg, StaffProfile, Suspension
from .workflows import CLOCK_RUNNING


def local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def start_clock(case: Case, now: datetime) -> None:
    version = case.item_version
    # 0 is a limit (即办: due the day of acceptance); only an empty limit takes the default.
    statutory, promised = version.statutory_days, version.promised_days
    case.statutory_days = settings.DEFAULT_TIME_LIMIT_DAYS if statutory is None else statutory
    case.promised_days = case.statutory_days if promised is None else promised
    case.accepted_at = now
    start = local_date(now)
    calendar = Calendar.load(start, start + timedelta(days=case.statutory_days * 3 + 60))
    case.statutory_due = calendar.add_working_days(start, case.statutory_days)
    case.promised_due = calendar.add_working_days(start, case.promised_days)
    case.calendar_note = calendar.note()


def suspend_clock(case: Case, *, kind: str, reason: str, resume_status: str, now: datetime) -> None:
    Suspension.objects.create(
        case=case, kind=kind, reason=reason, resume_status=resume_status, started_at=now
    )
    case.suspended_since = now


def resume_clock(case: Case, now: datetime) -> str:
    """End the open suspension, move the due dates; returns the status to go back to."""
    suspension = case.suspensions.filter(ended_at__isnull=True).order_by("-started_at").first()
    began = local_date(suspension.started_at)
    ended = local_date(now)
    calendar = Calendar.load(began, ended + timedelta(days=400))
    lost = calendar.working_days_between(began, ended)
    suspension.ended_at, suspension.working_days = now, lost
    suspension.save(update_fields=["ended_at", "working_days"])
    if case.statutory_due and lost:
        case.statutory_due = calendar.add_working_days(case.statutory_due, lost)
        case.promised_due = calendar.add_working_days(case.promised_due, lost)
        case.calendar_note = calendar.note() or case.calendar_note
    case.suspended_since = None
    return suspension.resume_status


def stop_clock(case: Case, now: datetime) -> None:
    case.closed_at = now


def sign_due_from(case: Case, now: datetime) -> date:
    """The day a transfer or a leg of `case` must be signed for by (签收), counted from `now`.

    If part of it was estimated the case says so: the note goes on `case` in memory, for the
    caller to save with the case, as `start_clock` does.
    """
    start = local_date(now)
    calendar = Calendar.load(start, start + timedelta(days=settings.SIGN_FOR_WORKING_DAYS * 3 + 30))
    due = calendar.add_working_days(start, settings.SIGN_FOR_WORKING_DAYS)
    case.calendar_note = calendar.note() or case.calendar_note
    return due


def near_due_limit(today: date) -> date:
    return Calendar.load(today, today + timedelta(days=60)).add_working_days(
        today, settings.NEAR_DUE_WORKING_DAYS
    )


def flag_due(today: date | None = None) -> int:
    """Notify the responsible office (and the region's supervisors) once a day per late or near item."""
    today = today or local_date(timezone.now())
    limit = near_due_limit(today)
    sent = 0
    running = Case.objects.filter(
        status__in=CLOCK_RUNNING, suspended_since__isnull=True, promised_due__isnull=False
    )
    for case in running.filter(promised_due__lte=limit).select_related("handling_office"):
        kind = "overdue" if case.promised_due < today else "near_due"
        sent += _alert(case, case.handling_office, kind, today)
    for case in Case.objects.filter(status="transferred", sign_due__lt=today).select_related(
        "handling_office"
    ):
        sent += _alert(case, case.handling_office, "sign_overdue", today)
    for leg in Leg.objects.filter(status="to_sign", sign_due__lt=today).select_related("case", "office"):
        sent += _alert(leg.case, leg.office, "leg_sign_overdue", today, leg=leg)
    return sent


def _alert(case: Case, office, kind: str, today: date, leg: Leg | None = None) -> int:
    key = f"{kind}:{case.pk}:{leg.pk if leg else '-'}:{today.isoformat()}"
    sent = handoffs.notify_office(office.pk, case=case, kind=kind, key=key)
    supervisors = StaffProfile.objects.filter(
        role=roles.SUPERVISOR, office__region__code__startswith=office.region_id[:2]
    ).values_list("user_id", flat=True)
    return sent + handoffs.notify_users(supervisors, case=case, kind=kind, key=key)
