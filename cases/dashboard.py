"""The supervisor's region dashboard: read-only figures, each defined here once.

The page (`cases/views/supervisor.py`) and the API (`GET /api/v1/dashboard/`) both show
`figures(actor)`, so they never disagree.

Scope: the cases `selectors.cases_visible_to` gives the caller (a supervisor: cases received
at, or sent to, an office in their province; an admin: all), and the handoff messages
`selectors.handoffs_visible_to` gives them. Only supervisors and admins have a dashboard
(`may_see_dashboard`). "Today" and every day below are Beijing dates (Asia/Shanghai).

Figures:
- open cases: cases whose status is not final (`workflows.FINAL_STATUSES`), counted by mode
  and status in one aggregate query;
- due soon / overdue: `selectors.due_soon_q` / `selectors.overdue_q`, the inbox's definitions
  (clock running, not suspended, promised date within `NEAR_DUE_WORKING_DAYS` working days /
  before today); the first LIMIT of each, earliest promised date first;
- transfers not signed for in time: proxy cases still "transferred" whose sign-for date
  (`sign_due`) is before today — the transfer half of `selectors.sign_overdue_q`; and legs
  of visible cases still "to_sign" whose `sign_due` is before today (first LIMIT of each,
  earliest first);
- failed handoffs: messages with status "failed" (given up after HANDOFF_MAX_ATTEMPTS), newest
  first, with a one-line summary of their last error; each can be resent
  (`cases.handoffs.resend`);
- received per week, by mode: cases filed (`created_at`: submitted online or registered at a
  window) in each of the last WEEKS ISO weeks (Monday to Sunday, Beijing dates), this week
  included; weeks and modes without cases count 0;
- 按时办结率 per handling office: among the cases concluded in the last WEEKS weeks (the same
  weeks as above; concluded = the clock stopped for good, `closed_at`: the result delivered
  online or shipped), the share whose Beijing closing date is on or before the promised due
  date (the statutory one if none was promised). Suspensions moved the due date already
  (`deadlines.resume_clock`). Shown with both counts, as a percentage with one decimal;
- average working days to conclusion per handling office: for the same concluded cases, the
  working days after the day of acceptance up to and including the day of conclusion
  (`Calendar.working_days_between`, the official calendar with 调休), minus the working days
  of the suspensions that began after acceptance (`Suspension.working_days`: corrections
  requested before acceptance never ran the clock); the mean, with one decimal.

The handling office is the deciding one: for joint cases it is the accepting office.

Query count: constant in the number of cases. Counts and the two per-office rates are
aggregated in the database; lists are cut at LIMIT. Working days need the calendar, so that
one figure is computed in Python over a bounded set — the cases concluded in the last WEEKS
weeks, fetched in one query with only the columns needed and their suspension days summed
in a subquery — with the holidays loaded in one go (`Calendar.load`, two queries).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, DateField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.text import Truncator

from . import roles, selectors, workflows
from .calendar import Calendar
from .deadlines import local_date
from .models import Case, HandoffMessage, Leg, Mode, Suspension

LIMIT = 50  # rows per list, as the inbox
WEEKS = 12
MODES = [mode.value for mode in Mode]
ERROR_SUMMARY_CHARS = 120


def may_see_dashboard(actor: selectors.Actor) -> bool:
    """Supervisors (their province) and admins (all regions)."""
    return actor.role == "admin" or (actor.role == roles.SUPERVISOR and actor.office is not None)


@dataclass(frozen=True)
class Dashboard:
    today: date
    since: date  # Monday of the first of the WEEKS weeks
    province: str  # code of the supervisor's province ("510000"); "" for an admin (all regions)
    summary: dict[str, int]
    open_cases: list[dict]
    due_soon: list[dict]
    overdue: list[dict]
    transfers_not_signed: list[dict]
    legs_not_signed: list[dict]
    failed_handoffs: list[dict]
    received_per_week: list[dict]
    on_time: list[dict]
    working_days: list[dict]


def figures(actor: selectors.Actor, now: datetime | None = None) -> Dashboard:
    """Every figure of the dashboard for `actor` (a supervisor or an admin; see may_see_dashboard)."""
    now = now or timezone.now()
    today = local_date(now)
    since = today - timedelta(days=today.weekday(), weeks=WEEKS - 1)
    since_moment = timezone.make_aware(datetime.combine(since, time.min))
    scope = selectors.cases_visible_to(actor.user, actor)
    soon, late = selectors.due_soon_q(today), selectors.overdue_q(today)
    # The two halves of selectors.sign_overdue_q: transfers, and regions' tasks leg by leg.
    late_transfer = selectors.transfer_sign_overdue_q(today)
    late_legs = selectors.late_legs(today).filter(case__in=scope.values("pk"))
    failed = selectors.handoffs_visible_to(actor).filter(status=HandoffMessage.Status.FAILED)
    listed = scope.select_related("item", "receiving_office", "handling_office")

    # Every count is of open cases (due soon, overdue and unsigned transfers are open by definition):
    # counting among the open ones reads the partial indexes on open cases, not the whole history.
    summary = scope.exclude(status__in=workflows.FINAL_STATUSES).aggregate(
        open=Count("pk"),
        due_soon=Count("pk", filter=soon),
        overdue=Count("pk", filter=late),
        transfers_not_signed=Count("pk", filter=late_transfer),
    )
    summary["legs_not_signed"] = late_legs.count()
    summary["failed_handoffs"] = failed.count()
    concluded = scope.filter(closed_at__gte=since_moment)
    return Dashboard(
        today=today,
        since=since,
        province=actor.office.province_code if actor.role != "admin" and actor.office else "",
        summary=summary,
        open_cases=_open_cases(scope),
        due_soon=[_case_row(c) for c in listed.filter(soon).order_by("promised_due", "id")[:LIMIT]],
        overdue=[_case_row(c) for c in listed.filter(late).order_by("promised_due", "id")[:LIMIT]],
        transfers_not_signed=[
            _case_row(c) for c in listed.filter(late_transfer).order_by("sign_due", "id")[:LIMIT]
        ],
        legs_not_signed=[
            _leg_row(leg)
            for leg in late_legs.select_related("case__item", "case__receiving_office", "office").order_by(
                "sign_due", "id"
            )[:LIMIT]
        ],
        failed_handoffs=[_handoff_row(m) for m in failed[:LIMIT]],
        received_per_week=_received_per_week(scope, since, since_moment),
        on_time=_on_time(concluded),
        working_days=_working_days(concluded, today),
    )


def _open_cases(scope: QuerySet[Case]) -> list[dict]:
    counts = (
        scope.exclude(status__in=workflows.FINAL_STATUSES)
        .values("mode", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    statuses = list(workflows.STATUS_LABELS)
    rows = [
        {
            "mode": row["mode"],
            "mode_label": str(Mode(row["mode"]).label),
            "status": row["status"],
            "status_label": workflows.status_label(row["status"]),
            "count": row["count"],
        }
        for row in counts
    ]

    def order(row):
        status = row["status"]
        return (MODES.index(row["mode"]), statuses.index(status) if status in statuses else len(statuses))

    return sorted(rows, key=order)


def _case_row(case: Case) -> dict:
    return {
        "number": case.number,
        "item": case.item.name,
        "mode": case.mode,
        "mode_label": str(Mode(case.mode).label),
        "status": case.status,
        "status_label": workflows.status_label(case.status),
        "receiving_office": case.receiving_office.name,
        "handling_office": case.handling_office.name,
        "promised_due": case.promised_due,
        "sign_due": case.sign_due,
    }


def _leg_row(leg: Leg) -> dict:
    return {
        "number": leg.case.number,
        "item": leg.case.item.name,
        "leg": leg.pk,
        "office": leg.office.name,
        "receiving_office": leg.case.receiving_office.name,
        "status_label": workflows.leg_status_label(leg.status),
        "sign_due": leg.sign_due,
    }


def error_summary(text: str) -> str:
    """The first line of a message's last error, cut to ERROR_SUMMARY_CHARS characters."""
    first = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return Truncator(first).chars(ERROR_SUMMARY_CHARS)


def _handoff_row(message: HandoffMessage) -> dict:
    return {
        "id": message.pk,
        "kind": message.kind,
        "number": message.case.number,
        "from_office": message.from_office.name if message.from_office else "",
        "to_office": message.to_office.name,
        "attempts": message.attempts,
        "created_at": message.created_at,
        "last_error": error_summary(message.last_error),
    }


def iso_week(monday: date) -> str:
    year, week, _weekday = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _received_per_week(scope: QuerySet[Case], since: date, since_moment: datetime) -> list[dict]:
    counts = {
        (row["week"], row["mode"]): row["count"]
        for row in scope.filter(created_at__gte=since_moment)
        # TruncWeek: Monday of the week, in the current time zone (Asia/Shanghai).
        .annotate(week=TruncWeek("created_at", output_field=DateField()))
        .values("week", "mode")
        .annotate(count=Count("pk"))
        .order_by()
    }
    weeks = []
    for offset in range(WEEKS):
        monday = since + timedelta(weeks=offset)
        row = {"week": iso_week(monday), "week_start": monday, "week_end": monday + timedelta(days=6)}
        row.update({mode: counts.get((monday, mode), 0) for mode in MODES})
        row["total"] = sum(row[mode] for mode in MODES)
        weeks.append(row)
    return weeks


def _on_time(concluded: QuerySet[Case]) -> list[dict]:
    due = Coalesce(F("promised_due"), F("statutory_due"))
    rows = (
        concluded.values("handling_office__code", "handling_office__name")
        .annotate(concluded=Count("pk"), on_time=Count("pk", filter=Q(closed_at__date__lte=due)))
        .order_by()
    )
    found = [
        {
            "office_code": row["handling_office__code"],
            "office": row["handling_office__name"],
            "concluded": row["concluded"],
            "on_time": row["on_time"],
            "rate": round(100 * row["on_time"] / row["concluded"], 1),
        }
        for row in rows
    ]
    return sorted(found, key=_by_office)


def _by_office(row: dict) -> tuple[str, str]:
    # In Python, not SQL: one order on every database, whatever its collation.
    return (row["office"], row["office_code"])


def _working_days(concluded: QuerySet[Case], today: date) -> list[dict]:
    suspended = (
        Suspension.objects.filter(
            case=OuterRef("pk"), started_at__gte=OuterRef("accepted_at"), working_days__isnull=False
        )
        .values("case")
        .annotate(days=Sum("working_days"))
        .values("days")
    )
    rows = list(
        concluded.filter(accepted_at__isnull=False)
        .annotate(suspended=Coalesce(Subquery(suspended, output_field=IntegerField()), 0))
        .values_list(
            "handling_office__code", "handling_office__name", "accepted_at", "closed_at", "suspended"
        )
        .order_by()
    )
    first = min((local_date(accepted) for _c, _n, accepted, _e, _s in rows), default=today)
    calendar = Calendar.load(first, today)
    offices: dict[str, dict] = {}
    between: dict[
        tuple[date, date], int
    ] = {}  # a province concludes thousands of cases on a few hundred day pairs
    for code, name, accepted, closed, suspended_days in rows:
        span = (local_date(accepted), local_date(closed))
        if span not in between:
            between[span] = calendar.working_days_between(*span)
        days = between[span] - suspended_days
        office = offices.setdefault(code, {"office_code": code, "office": name, "concluded": 0, "days": 0})
        office["concluded"] += 1
        office["days"] += max(days, 0)
    return [
        {
            "office_code": office["office_code"],
            "office": office["office"],
            "concluded": office["concluded"],
            "average": round(office["days"] / office["concluded"], 1),
        }
        for office in sorted(offices.values(), key=_by_office)
    ]
