"""Read queries for cases, and who may see what.

Visibility is part of every query: a case outside the caller's scope does not exist for them
(HTTP 404), whatever endpoint they use. It follows the handoff: an office sees a case it
received itself, or one that was sent to it (a message to the office about the case exists:
an online submission, a proxy transfer, a released joint-case leg) — never earlier, whatever
the status says.

- applicant: cases filed for them or by them (as their agent);
- window clerk and handling officer: cases received at their office or sent to it;
- supervisor: cases received at, or sent to, an office in their province;
- admin (superuser, or a staff account with the `cases.view_case` permission): all.

Staff and supervisors read it from the case's reach (CaseReach, `cases/reach.py`), written with the
registration and with each message: the same rule, kept as rows, so a list is an index walk.

Personal data is masked for everyone but the applicant; staff of an office the case reached
may reveal it in full through `reveal_personal_data`, which is recorded (RevealRecord).
"""

import functools
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from . import reach, roles, workflows
from .deadlines import local_date, near_due_limit
from .models import (
    Case,
    CaseEvent,
    CaseReach,
    HandoffMessage,
    InboxEntry,
    Leg,
    Material,
    Office,
    RevealRecord,
    Shipment,
    StaffProfile,
)

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
        # The office's region too: every event an action records names it (services.record_event).
        StaffProfile.objects.select_related("office__region").filter(user_id=user.pk).first()
        if user.pk
        else None
    )
    if profile:
        user.staff = profile  # the pages' navigation reads it again (user.staff): no second query
        return Actor(user, profile.role, profile.office)
    # Permissions are for staff accounts (is_staff, as in Django's admin): an applicant's request is
    # not made to read their permissions (two queries on every registration and page).
    if user.is_superuser or (user.is_staff and user.has_perm("cases.view_case")):
        return Actor(user, "admin", None)
    return Actor(user, roles.APPLICANT, None)


def cases_visible_to(
    user, actor: Actor | None = None, *, mode: str | None = None, clock: dict | None = None
) -> QuerySet[Case]:
    """The cases `user` may see; `mode` narrows them to one mode through the same index (a staff
    list filtered by mode: CaseFilter filters by mode too, this only lets the index answer it), and
    `clock` to overdue or due-soon cases in the same way (lookups on the reach rows' clock_due:
    `overdue_on_reach`, `due_soon_on_reach`; CaseFilter applies the cases' own conditions too).

    Staff and supervisors read the case's reach (CaseReach, cases/reach.py): one row per office or
    province the case reached, walked newest first on the index of their own scope.
    """
    if not user or not user.is_authenticated:
        return Case.objects.none()
    actor = actor or actor_for(user)
    cases = Case.objects.all()
    if actor.role == "admin":
        return cases if mode is None else cases.filter(mode=mode)
    if actor.role in (roles.WINDOW_CLERK, roles.HANDLING_OFFICER, roles.SUPERVISOR):
        scope = (
            reach.province_scope(actor.office.region_id)
            if actor.role == roles.SUPERVISOR
            else reach.office_scope(actor.office_id)
        )
        # One filter() call: the scope, the mode and the clock are conditions on the same reach row.
        on_reach = {f"reach__{lookup}": value for lookup, value in (clock or {}).items()}
        if mode is not None:
            on_reach["reach__mode"] = mode
        return cases.filter(reach__scope=scope, **on_reach)
    mine = cases.filter(Q(applicant__user=user) | Q(applicant__agent_user=user))
    return mine if mode is None else mine.filter(mode=mode)


def is_owner(user, case: Case) -> bool:
    """The applicant's own account, or the account that filed it online as their agent (not staff)."""
    return bool(user.pk) and user.pk in (case.applicant.user_id, case.applicant.agent_user_id)


def may_reveal_personal_data(actor: Actor, case: Case) -> bool:
    """Staff of an office the case reached (received there, or sent there) may reveal it, audited."""
    if actor.role not in (roles.WINDOW_CLERK, roles.HANDLING_OFFICER) or actor.office_id is None:
        return False
    if actor.office_id == case.receiving_office_id:
        return True
    return CaseReach.objects.filter(case=case, scope=reach.office_scope(actor.office_id)).exists()


def sees_personal_data_unmasked(actor: Actor, case: Case) -> bool:
    """Without a reveal, only the applicant (or their agent) sees their own data in full."""
    return is_owner(actor.user, case)


def received_here(actor: Actor) -> QuerySet[Case]:
    """The cases received at the actor's own office (its window's lists): all of them visible to its
    staff by the rule above, so they are read off the case's own indexes, not through the reach."""
    if actor.role not in (roles.WINDOW_CLERK, roles.HANDLING_OFFICER) or actor.office_id is None:
        return Case.objects.none()
    return Case.objects.filter(receiving_office_id=actor.office_id)


def case_list(user, actor: Actor | None = None) -> QuerySet[Case]:
    return cases_visible_to(user, actor).select_related(
        "item", "applicant", "receiving_office__region", "handling_office__region"
    )


# What a case summary shows (serializers.CaseSummarySerializer): an office by its code, name and
# region code, the item by its code and name, the applicant's name.
CASE_SUMMARY_FIELDS = (
    *("number", "mode", "status", "statutory_due", "promised_due", "suspended_since"),
    *("version", "created_at", "updated_at", "item__code", "item__name", "applicant__name"),
    *("applicant__kind", "receiving_office__code", "receiving_office__name", "receiving_office__region"),
    *("handling_office__code", "handling_office__name", "handling_office__region"),
)


def case_rows(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`cases` read as list rows: only the columns a row shows, and no join to the regions.

    At a million cases a list's SQL runs in a few milliseconds; building whole cases with their
    items, applicants, offices and regions from ~100 columns a row cost more than the SQL (50
    rows: 10 ms against 2 ms)."""
    return cases.select_related("item", "applicant", "receiving_office", "handling_office").only(
        *CASE_SUMMARY_FIELDS
    )


def case_summaries(
    user, actor: Actor | None = None, *, mode: str | None = None, clock: dict | None = None
) -> QuerySet[Case]:
    """The API's case list: only the columns a summary shows, and no join to the regions.

    At a million cases the list's SQL runs in a few milliseconds, and the rest was planning a
    seven-table join (4–5 ms a request) and reading ~900-byte rows to show a few fields of each.
    """
    return case_rows(cases_visible_to(user, actor, mode=mode, clock=clock))


# The events that give the applicant the result: before them, a result the deciding office attached
# (Material kind `result`) and the result notice are the office's alone.
RESULT_RELEASED_BY = frozenset({"deliver_online", "ship_result"})


def result_released(case: Case) -> bool:
    return any(event.action in RESULT_RELEASED_BY for event in case.events.all())


def materials_visible(case: Case, *, staff_view: bool) -> list[Material]:
    """The case's materials as its page, the API and the downloads show them: staff every one; the
    applicant theirs, and the result documents once the result is released to them."""
    materials = list(case.materials.all())
    if staff_view or result_released(case):
        return materials
    return [material for material in materials if material.kind != Material.Kind.RESULT]


def visible_material(case: Case, material_id, *, staff_view: bool) -> Material | None:
    """One material with a file the caller may download (the page's and the API's download)."""
    wanted = int(material_id)
    found = (m for m in materials_visible(case, staff_view=staff_view) if m.pk == wanted and m.file)
    return next(found, None)


@dataclass(frozen=True)
class CaseView:
    """A case as one caller may see it: the API's detail and the case pages are built from this."""

    case: Case
    revealed: bool  # personal data in full: the applicant themselves, or after an audited reveal
    may_reveal: bool  # staff of an office the case reached, who have not revealed yet
    staff_view: bool
    allowed_actions: list


def case_view(actor: Actor, number: str, *, revealed: bool = False) -> CaseView:
    """The case with what `actor` may see and do; raises Case.DoesNotExist out of their scope.

    `revealed` only after `privacy.reveal_personal_data` recorded the reveal.
    """
    return view_of(actor, case_detail(actor.user, number, actor), revealed=revealed)


def view_of(actor: Actor, case: Case, *, revealed: bool = False) -> CaseView:
    """`case_view` of a case already read with everything its page shows (`case_detail`), or just
    written with it (`registration.register_case`): the caller must be allowed to see it."""
    unmasked = revealed or sees_personal_data_unmasked(actor, case)
    return CaseView(
        case=case,
        revealed=unmasked,
        may_reveal=not unmasked and may_reveal_personal_data(actor, case),
        staff_view=actor.role != roles.APPLICANT,
        allowed_actions=allowed_actions(actor, case),
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
                "handoffs",
                queryset=HandoffMessage.objects.select_related("from_office", "to_office").order_by(
                    "created_at"
                ),
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


def overdue_on_reach(today: date) -> dict:
    """`overdue_q` on a reach row (its clock_due is the promised due date while the clock runs)."""
    return {"clock_due__lt": today}


def due_soon_on_reach(today: date) -> dict:
    """`due_soon_q` on a reach row."""
    return {"clock_due__gte": today, "clock_due__lte": near_due_limit(today)}


def due_soon_q(today: date, near: date | None = None) -> Q:
    """Due from today to `near`, the last day of "due soon" (near_due_limit(today) unless given)."""
    return Q(
        status__in=workflows.CLOCK_RUNNING,
        suspended_since__isnull=True,
        promised_due__gte=today,
        promised_due__lte=near_due_limit(today) if near is None else near,
    )


def transfer_sign_overdue_q(today: date) -> Q:
    """A transfer not signed for by its sign-for date."""
    return Q(status="transferred", sign_due__lt=today)


def late_legs(today: date) -> QuerySet[Leg]:
    """Regions' tasks not signed for by their sign-for date."""
    return Leg.objects.filter(status="to_sign", sign_due__lt=today)


def sign_overdue_q(today: date) -> Q:
    """A transfer or a leg not signed for by its sign-for date."""
    return transfer_sign_overdue_q(today) | Q(Exists(late_legs(today).filter(case=OuterRef("pk"))))


def inbox_queries(actor: Actor, today: date | None = None) -> dict[str, QuerySet]:
    """What waits for the caller's office, list by list, each in the order it is shown (unsliced)."""
    today = today or local_date(timezone.now())
    return _inbox_queries(actor.office_id, today, near_due_limit(today))


def _inbox_queries(office_id: int, today: date, near: date) -> dict[str, QuerySet]:
    late, soon = overdue_q(today), due_soon_q(today, near)
    # No columns are chosen here: a list is read by id and place (listed_ids), its rows as values
    # (INBOX_VALUES; the inbox page's own). A case says whether it is overdue or due soon by the
    # rules of those two lists (the page marks its rows with them).
    mine = Case.objects.annotate(
        is_overdue=ExpressionWrapper(late, output_field=BooleanField()),
        is_due_soon=ExpressionWrapper(soon, output_field=BooleanField()),
    )
    # The deciding office: a joint case's receiving office, the handling office otherwise. A joint case
    # is registered with its handling office equal to its receiving office (registration), so both are
    # "handling office = this office", which the partial indexes on the handling office serve.
    handled_here = Q(handling_office_id=office_id)
    legs = Leg.objects.filter(office_id=office_id)
    return {
        "arrivals": InboxEntry.objects.filter(office_id=office_id, done_at__isnull=True).order_by(
            "-created_at", "-id"
        ),
        "to_sign": mine.filter(handled_here, status="transferred").order_by("sign_due", "id"),
        "legs_to_sign": legs.filter(status="to_sign").order_by("sign_due", "id"),
        "legs_open": legs.filter(status__in=("signed", "working")).order_by("sign_due", "id"),
        # Online and joint submissions, proxy cases signed for: "handling office = this office, one of
        # two statuses" (a joint case's is its receiving office, above), one range of the index
        # case_handling_status.
        "to_accept": mine.filter(
            handled_here,
            (~Q(mode="proxy") & Q(status="submitted")) | (Q(mode="proxy") & Q(status="signed")),
            status__in=("submitted", "signed"),
        ).order_by("id"),
        "to_decide": mine.filter(handled_here, status__in=("accepted", "in_review", "legs_agreed")).order_by(
            "promised_due", "id"
        ),
        "due_soon": mine.filter(handled_here, soon).order_by("promised_due", "id"),
        "overdue": mine.filter(handled_here, late).order_by("promised_due", "id"),
    }


def _counted(query: QuerySet, limit: int) -> tuple[str, list]:
    # No ORDER BY: the first `limit` rows in any order count the same, and need no sort.
    sql, params = query.order_by().values("pk")[:limit].query.sql_with_params()
    return f"SELECT COUNT(*) FROM ({sql}) counted", list(params)


def _placed(query: QuerySet, limit: int, offset: int = 0) -> tuple[str, list]:
    # The first `limit` ids with their place in the list's own order (the same ORDER BY twice, so
    # that the place is the order whatever order the statement returns them in).
    order = query.query.order_by or query.model._meta.ordering or ["pk"]
    placed = query.annotate(listed_place=Window(RowNumber(), order_by=list(order))).values(
        "pk", "listed_place"
    )
    sql, params = placed[offset : offset + limit].query.sql_with_params()
    return f"SELECT listed.* FROM ({sql}) listed", list(params)


def listed_ids(
    queries: dict[str, QuerySet], limit: int, *, counted: int = 0, wanted=None, offsets=None
) -> tuple[dict[str, list], dict[str, int]]:
    """The ids of the first `limit` rows of each query in `wanted` (all by default), in its order (from
    its row `offsets[name]` on, 0 by default), and how many rows each query gives counted up to
    `counted` (none when 0): one statement for all.

    A list both listed from its first row and counted is read once: its first `counted` rows in its
    order, placed and counted together (the API's inbox: eight subqueries instead of sixteen, half
    the planning and compiling); the list's order costs no more rows than its first page does, since
    the first `counted` rows of an index range are read to count them anyway."""
    wanted = None if wanted is None else list(wanted)  # read twice below (an iterator would not be)
    statement = listed_statement(queries, limit, counted=counted, wanted=wanted, offsets=offsets)
    return _read_listed(statement, queries, limit, counted=counted, wanted=wanted)


def listed_statement(
    queries: dict[str, QuerySet], limit: int, *, counted: int = 0, wanted=None, offsets=None
) -> tuple[str, list] | None:
    """listed_ids' one statement, SQL and parameters (None when it would read nothing)."""
    wanted = _listed_names(queries, limit, wanted)
    offsets = offsets or {}
    both = {name for name in wanted if counted and not offsets.get(name)}
    parts, params = [], []
    for name in wanted:
        if name in both:
            sql, more = _placed(queries[name], max(limit, counted))
            sql = f"SELECT listed.*, COUNT(*) OVER () AS total FROM ({sql}) listed"
            parts.append(
                f"SELECT %s, q.pk, q.listed_place, q.total FROM ({sql}) q"
                f" WHERE q.listed_place <= {int(limit)}"
            )
            params += [name, *more]
        else:
            sql, more = _placed(queries[name], limit, offsets.get(name, 0))
            # Typed: PostgreSQL types a UNION's column from its first two branches, and two NULLs
            # would make it text, which a later branch's count cannot join.
            parts.append(f"SELECT %s, q.pk, q.listed_place, CAST(NULL AS bigint) FROM ({sql}) q")
            params += [name, *more]
    for name in queries if counted else ():
        if name not in both:
            sql, more = _counted(queries[name], counted)
            parts.append(f"SELECT %s, CAST(NULL AS bigint), 0, ({sql})")
            params += [name, *more]
    return (" UNION ALL ".join(parts), params) if parts else None


def _listed_names(names, limit: int, wanted) -> list[str]:
    """The lists whose rows are read: those `wanted` (all by default), none when no row is wanted."""
    return (list(names) if wanted is None else list(wanted)) if limit else []


def _read_listed(
    statement: tuple[str, list] | None, names, limit: int, *, counted: int, wanted
) -> tuple[dict[str, list], dict[str, int]]:
    """Run listed_ids' statement: each wanted list's ids in order, and each list's count."""
    ids = {name: [] for name in _listed_names(names, limit, wanted)}
    # A list with no rows gives no row of its own to carry its count.
    counts = dict.fromkeys(names, 0) if counted else {}
    if statement is None:
        return ids, counts
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        found = cursor.fetchall()
    for name, pk, _place, total in sorted(found, key=lambda row: row[2]):
        if pk is not None:
            ids[name].append(pk)
        if total is not None:
            counts[name] = min(total, counted)  # a list read for its first `limit` > `counted` rows
    return ids, counts


# The inbox's statement compiled once per shape, not per request. Building the eight lists and
# compiling them to SQL is Django's work, ~2.5 ms a request, and gives the same SQL text for every
# office and day: only the parameters differ (the office, today, the last day of "due soon"). So
# the lists are compiled once with stand-in values (never an office's id or a day the portal sees)
# and each request swaps its own values in; tests/cases/test_inbox_api.py holds the result to the
# lists compiled afresh, for offices, days, sizes and choices of lists. (SQLAlchemy caches compiled
# statements the same way; Django has no such cache.)
_STAND_IN_OFFICE, _STAND_IN_TODAY, _STAND_IN_NEAR = -7_000_001, date(1001, 1, 1), date(1001, 1, 2)
INBOX_LISTS = {name: query.model for name, query in _inbox_queries(0, date.min, date.min).items()}
_A_DATE_FIELD = Case._meta.get_field("promised_due")  # how the lists' days become parameters


@functools.lru_cache(maxsize=64)  # shapes: sizes × choices of lists; a few in practice
def _inbox_template(vendor: str, limit: int, counted: int, wanted: tuple | None):
    queries = _inbox_queries(_STAND_IN_OFFICE, _STAND_IN_TODAY, _STAND_IN_NEAR)
    return listed_statement(queries, limit, counted=counted, wanted=wanted)


def inbox_statement(
    actor: Actor, limit: int, *, counted: int = 0, wanted=None, today: date | None = None
) -> tuple[str, list] | None:
    """`listed_statement(inbox_queries(actor, today), …)`, from the compiled template."""
    if actor.office_id is None:
        # Compiled afresh, "office = None" would be "IS NULL", not a parameter: no template for it.
        raise ValueError("An inbox is an office's: this actor has no office.")
    today = today or local_date(timezone.now())
    wanted = None if wanted is None else tuple(wanted)
    template = _inbox_template(connection.vendor, limit, counted, wanted)
    if template is None:
        return None

    def adapt(day):  # a day as the compiled parameters hold it (a datetime is taken as its date)
        return _A_DATE_FIELD.get_db_prep_value(day, connection)

    values = {
        _STAND_IN_OFFICE: actor.office_id,
        adapt(_STAND_IN_TODAY): adapt(today),
        adapt(_STAND_IN_NEAR): adapt(near_due_limit(today)),
    }
    sql, params = template
    return sql, [values[p] if isinstance(p, (int, str, date)) and p in values else p for p in params]


def inbox_listed(
    actor: Actor, limit: int, *, counted: int = 0, wanted=None, today: date | None = None
) -> tuple[dict[str, list], dict[str, int]]:
    """`listed_ids(inbox_queries(actor, today), …)` from the compiled template (inbox_statement)."""
    wanted = None if wanted is None else list(wanted)  # read twice below (an iterator would not be)
    statement = inbox_statement(actor, limit, counted=counted, wanted=wanted, today=today)
    return _read_listed(statement, INBOX_LISTS, limit, counted=counted, wanted=wanted)


def inbox_for(actor: Actor, limit: int = 50) -> dict[str, list]:
    """What waits for the caller's office: arrivals, to sign, to accept, to decide, due soon, overdue
    (the first `limit` of each)."""
    return inbox_with_counts(actor, limit)[0]


# How the inboxes (API and page) read the rows of their lists: as values, no model built for a row (for a busy
# office's 100 rows, building cases with their items, applicants and offices, legs and arrivals with
# theirs, was half the inbox's time). A case's values become a SummaryRow, the summary's input.
INBOX_VALUES = {
    Case: ("pk", *CASE_SUMMARY_FIELDS),
    Leg: ("pk", "status", "sign_due", "case__number", "case__item__name", "case__receiving_office__name"),
    # The entry's kind is its list, the message's kind what arrived (the page shows that).
    InboxEntry: (
        *("pk", "kind", "leg", "created_at", "case__number", "case__item__name"),
        *("message__kind", "message__from_office__name"),
    ),
}


# Each kind's rows with their columns and joins set up once (never evaluated itself: each request
# filters a copy by its ids), which halves the cost of compiling the three reads (0.9 → 0.5 ms).
_INBOX_ROWS = {model: model.objects.values(*fields) for model, fields in INBOX_VALUES.items()}


class SummaryRow:
    """A case's summary columns read as values (INBOX_VALUES[Case]), under the names a case has: what
    serializers.CaseSummarySerializer reads of a case (`row.item.name`, `row.receiving_office.region_id`,
    `row.status`…), and nothing else."""

    def __init__(self, values: dict):
        nested = {}
        for key, value in values.items():
            name, _, rest = key.partition("__")
            if rest:
                nested.setdefault(name, {})[rest] = value
            else:
                self.__dict__[key] = value
        for name, inner in nested.items():
            self.__dict__[name] = SummaryRow(inner)
        # An office's region is named by its code (its key): what the summary shows of it.
        if "region" in self.__dict__:
            self.region_id = self.region


def inbox_with_counts(
    actor: Actor, limit: int, *, wanted=None, counted: int = 0, today: date | None = None
) -> tuple[dict[str, list], dict[str, int]]:
    """The first `limit` rows of each list in `wanted` (all by default), and how many rows each list
    has counted up to `counted` (no counts when 0). A case is a SummaryRow; a region's task (leg) and
    an arrival are dicts of INBOX_VALUES.

    Three or four statements, whatever the number of lists: every list's ids and counts in one, then
    the rows of each kind by id, so a case on two lists (to decide and overdue) is read once and is
    the same object on both. A row gone between the two (never, in the portal's own writes) is
    left out."""
    ids, counts = inbox_listed(actor, limit, counted=counted, wanted=wanted, today=today)
    found = {}
    for model, read_by_id in _INBOX_ROWS.items():
        pks = {pk for name, listed in ids.items() if INBOX_LISTS[name] is model for pk in listed}
        rows = read_by_id.filter(pk__in=pks) if pks else ()
        found[model] = {row["pk"]: SummaryRow(row) if model is Case else row for row in rows}
    box = {}
    for name, listed in ids.items():
        read = found[INBOX_LISTS[name]]
        box[name] = [read[pk] for pk in listed if pk in read]
    return box, counts


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


def reveal_records_visible_to(actor: Actor) -> QuerySet[RevealRecord]:
    """Who revealed personal data: admins see all records, supervisors those of their province's staff."""
    records = RevealRecord.objects.order_by("-id")
    if actor.role == "admin":
        return records
    if actor.role == roles.SUPERVISOR:
        return records.filter(region_code__startswith=actor.office.region_id[:2])
    return records.none()


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
