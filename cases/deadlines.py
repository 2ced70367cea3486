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
from django.db import connection
from django.utils import timezone

from . import roles
from .calendar import Calendar
from .models import Case, Leg, Notification, Office, StaffProfile, Suspension
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


ALERT_CHUNK = 2000  # cases (or legs) read and notified per round: memory stays flat at any volume


def flag_due(today: date | None = None) -> int:
    """Notify the responsible office (and the region's supervisors) once a day per late or near item.

    Returns the number of notifications written. Safe to run again the same day: each one has a
    key with the day in it, and the unique (user, key) of `Notification` turns a repeat into nothing.
    The cases are read in chunks of ALERT_CHUNK, only the columns needed, and each chunk's
    notifications go in with one INSERT per ALERT_CHUNK rows: a million open cases take a few
    queries per thousand due, never one per case.
    """
    today = today or local_date(timezone.now())
    limit = near_due_limit(today)
    recipients = _Recipients()
    running = Case.objects.filter(
        status__in=CLOCK_RUNNING, suspended_since__isnull=True, promised_due__isnull=False
    ).filter(promised_due__lte=limit)
    rows = (
        (
            "overdue" if due < today else "near_due",
            case_id,
            office_id,
            "-",
        )
        for case_id, office_id, due in _chunked(
            running.values_list("pk", "handling_office_id", "promised_due")
        )
    )
    sent = recipients.notify(rows, today)
    transfers = Case.objects.filter(status="transferred", sign_due__lt=today)
    rows = (
        ("sign_overdue", case_id, office_id, "-")
        for case_id, office_id in _chunked(transfers.values_list("pk", "handling_office_id"))
    )
    sent += recipients.notify(rows, today)
    legs = Leg.objects.filter(status="to_sign", sign_due__lt=today)
    rows = (
        ("leg_sign_overdue", case_id, office_id, leg_id)
        for leg_id, case_id, office_id in _chunked(legs.values_list("pk", "case_id", "office_id"))
    )
    return sent + recipients.notify(rows, today)


def _chunked(query):
    """Rows in primary-key order, ALERT_CHUNK at a time (keyset: no OFFSET, no server-side cursor)."""
    last = 0
    while True:
        batch = list(query.filter(pk__gt=last).order_by("pk")[:ALERT_CHUNK])
        yield from batch
        if len(batch) < ALERT_CHUNK:
            return
        last = batch[-1][0]


class _Recipients:
    """Who hears about an office's late work: its staff (not supervisors) and its province's supervisors.

    As `handoffs.notify_office` and `notify_users` decide it, read once for the whole sweep
    (one row per member of staff) instead of twice per case.
    """

    def __init__(self):
        self.offices: dict[int, list[int]] = {}
        self.provinces: dict[str, list[int]] = {}
        self.region_of = dict(Office.objects.values_list("pk", "region_id"))
        for user_id, office_id, role, region in StaffProfile.objects.values_list(
            "user_id", "office_id", "role", "office__region_id"
        ):
            if role == roles.SUPERVISOR:
                self.provinces.setdefault(region[:2], []).append(user_id)
            else:
                self.offices.setdefault(office_id, []).append(user_id)

    def users(self, office_id: int) -> set[int]:
        region = self.region_of.get(office_id, "")
        return {*self.offices.get(office_id, ()), *self.provinces.get(region[:2], ())}

    def notify(self, rows, today: date) -> int:
        """Write one notification per row and recipient unless written already; returns how many were new."""
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        sent, batch = 0, []
        for kind, case_id, office_id, leg in rows:
            key = f"{kind}:{case_id}:{leg}:{today.isoformat()}"
            batch.extend((user_id, case_id, kind, key, now) for user_id in self.users(office_id))
            if len(batch) >= ALERT_CHUNK:
                sent += _insert_new(batch)
                batch = []
        return sent + (_insert_new(batch) if batch else 0)


def _insert_new(rows: list[tuple]) -> int:
    """INSERT … ON CONFLICT DO NOTHING (PostgreSQL and SQLite): the unique (user, key) skips repeats."""
    table = Notification._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    sql = (
        f"INSERT INTO {table} (user_id, case_id, kind, key, created_at) VALUES {values} "
        "ON CONFLICT (user_id, key) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])
        return cursor.rowcount
