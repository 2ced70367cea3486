"""Who a case has reached (CaseReach): the rows behind every staff list, and how they are named.

A case reaches its receiving office when it is registered, and each office a message about it is
sent to (an online submission, a proxy transfer, a released joint-case leg), when that message is
written. The province of each of those offices is reached with it, for its supervisors. Rows are
only ever added, in the transaction of the change, and adding one twice does nothing.

`BACKFILL_SQL` writes the same rows from the cases and the outbox (migration 0005, and
`manage.py backfill_reach`, which can be run again at any time: it adds only what is missing).
A province is the office's when the row is written: an office moved to another province later
(an admin edit of its region) keeps its past cases in the province they reached.
"""

from django.db import connection

from .models import Case, CaseReach, Office

# Conflicts are named by the unique (scope, case): only a row already there is skipped, never a
# row that fails for another reason. The same SQL on PostgreSQL and SQLite (which needs the WHERE
# before ON CONFLICT when the rows come from a SELECT).
_TABLE = CaseReach._meta.db_table
_ON_CONFLICT = "ON CONFLICT (scope, case_id) DO NOTHING"

BACKFILL_SQL = f"""
INSERT INTO {_TABLE} (case_id, scope, mode)
SELECT case_id, scope, mode FROM (
  SELECT c.id AS case_id, 'office:' || c.receiving_office_id AS scope, c.mode AS mode FROM cases_case c
  UNION
  SELECT c.id, 'province:' || substr(o.region_id, 1, 2), c.mode
    FROM cases_case c JOIN cases_office o ON o.id = c.receiving_office_id
  UNION
  SELECT m.case_id, 'office:' || m.to_office_id, c.mode
    FROM cases_handoffmessage m JOIN cases_case c ON c.id = m.case_id
  UNION
  SELECT m.case_id, 'province:' || substr(o.region_id, 1, 2), c.mode
    FROM cases_handoffmessage m JOIN cases_case c ON c.id = m.case_id
    JOIN cases_office o ON o.id = m.to_office_id
) reached WHERE true
{_ON_CONFLICT}
"""


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
    rows = ", ".join(["(%s, %s, %s)"] * len(scopes))
    params = [value for scope in scopes for value in (case.pk, scope, case.mode)]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {_TABLE} (case_id, scope, mode) VALUES {rows} {_ON_CONFLICT}", params)


def backfill() -> int:
    """Write every missing row from the cases and the outbox; returns how many were added."""
    with connection.cursor() as cursor:
        cursor.execute(BACKFILL_SQL)
        return cursor.rowcount
