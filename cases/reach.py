"""Who a case has reached (CaseReach): the rows behind every staff list, and how they are named.

A case reaches its receiving office when it is registered, and each office a message about it is
sent to (an online submission, a proxy transfer, a released joint-case leg), when that message is
written. The province of each of those offices is reached with it, for its supervisors. Rows are
only ever added, in the transaction of the change, and adding one twice does nothing.

`BACKFILL_SQL` writes the same rows from the cases and the outbox (migration 0005, and
`manage.py backfill_reach`, which can be run again at any time: it adds only what is missing).
A province is the office's when the row is written: an office moved to another province later
(an admin edit of its region) keeps its past cases in the province they reached.

Each row also carries the case's promised due date while its statutory clock runs (`clock_due`,
empty otherwise), so that a staff list filtered to overdue or due-soon cases reads exactly those
rows of its scope off one index. Every change of a case is saved by `services._save_versioned`,
which calls `follow_clock`; a new row is written with the value of the moment.
"""

from datetime import date

from django.db import connection

from .models import Case, CaseReach, Office
from .workflows import CLOCK_RUNNING

# Conflicts are named by the unique (scope, case): only a row already there is skipped, never a
# row that fails for another reason. The same SQL on PostgreSQL and SQLite (which needs the WHERE
# before ON CONFLICT when the rows come from a SELECT).
_TABLE = CaseReach._meta.db_table
_ON_CONFLICT = "ON CONFLICT (scope, case_id) DO NOTHING"

# A case's clock_due in SQL, of the case aliased `c` (the same rule as `clock_due` below).
_STATUSES = ", ".join(f"'{status}'" for status in sorted(CLOCK_RUNNING))
_RUNNING = f"c.status IN ({_STATUSES}) AND c.suspended_since IS NULL"
CLOCK_DUE_SQL = f"CASE WHEN {_RUNNING} THEN c.promised_due END"

BACKFILL_SQL = f"""
INSERT INTO {_TABLE} (case_id, scope, mode, clock_due)
SELECT case_id, scope, mode, clock_due FROM (
  SELECT c.id AS case_id, 'office:' || c.receiving_office_id AS scope, c.mode AS mode,
         {CLOCK_DUE_SQL} AS clock_due
    FROM cases_case c
  UNION
  SELECT c.id, 'province:' || substr(o.region_id, 1, 2), c.mode, {CLOCK_DUE_SQL}
    FROM cases_case c JOIN cases_office o ON o.id = c.receiving_office_id
  UNION
  SELECT m.case_id, 'office:' || m.to_office_id, c.mode, {CLOCK_DUE_SQL}
    FROM cases_handoffmessage m JOIN cases_case c ON c.id = m.case_id
  UNION
  SELECT m.case_id, 'province:' || substr(o.region_id, 1, 2), c.mode, {CLOCK_DUE_SQL}
    FROM cases_handoffmessage m JOIN cases_case c ON c.id = m.case_id
    JOIN cases_office o ON o.id = m.to_office_id
) reached WHERE true
{_ON_CONFLICT}
"""

# Every row's clock_due set from its case again: the rows that have one or should have one (a case
# with its clock running: a few per cent of all). The condition is written out, not as the CASE
# above: PostgreSQL counts it from the status's statistics (12 k at 1 M cases) and hashes those ids
# once; it took the CASE for most of the table and scanned it again for every row (minutes).
# PostgreSQL and SQLite alike.
FOLLOW_CLOCK_SQL = f"""
UPDATE {_TABLE} SET clock_due = (SELECT {CLOCK_DUE_SQL} FROM cases_case c WHERE c.id = {_TABLE}.case_id)
WHERE clock_due IS NOT NULL
   OR case_id IN (SELECT c.id FROM cases_case c WHERE {_RUNNING} AND c.promised_due IS NOT NULL)
"""


def clock_due(case: Case) -> date | None:
    """The case's promised due date while its statutory clock runs (not suspended); None otherwise."""
    running = case.status in CLOCK_RUNNING and case.suspended_since is None
    return case.promised_due if running else None


def office_scope(office_id: int) -> str:
    return f"office:{office_id}"


def province_scope(region_code: str) -> str:
    """Supervisors see their province: the first two digits of a region code (44 for 广东)."""
    return f"province:{region_code[:2]}"


def record(case: Case, *offices: Office) -> None:
    """The case has reached these offices (and their provinces); nothing happens for a known one."""
    scopes = sorted(
        {scope for office in offices for scope in (office_scope(office.pk), province_scope(office.region_id))}
    )
    due = clock_due(case)
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(scopes))
    params = [value for scope in scopes for value in (case.pk, scope, case.mode, due)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TABLE} (case_id, scope, mode, clock_due) VALUES {rows} {_ON_CONFLICT}", params
        )


def follow_clock(case: Case) -> None:
    """The case's rows carry its clock as saved now (one UPDATE, of the rows that differ)."""
    due = clock_due(case)
    CaseReach.objects.filter(case_id=case.pk).exclude(clock_due=due).update(clock_due=due)


def backfill() -> int:
    """Write every missing row from the cases and the outbox, and set every row's clock_due from
    its case; returns how many rows were added."""
    with connection.cursor() as cursor:
        cursor.execute(BACKFILL_SQL)
        added = cursor.rowcount
        cursor.execute(FOLLOW_CLOCK_SQL)
        return added
