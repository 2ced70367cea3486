"""Who a case has reached (CaseReach): written with the registration and each message, read by
every staff list; the migration's backfill and the volume generator write the same rows."""

import importlib
import io

import pytest
from django.core.management import call_command
from django.db import connection

from cases.models import Case, CaseReach, HandoffMessage
from tests.builders import act, case_payload, register

from .conftest import client_for

pytestmark = pytest.mark.django_db


def reach_rows() -> set[tuple]:
    return set(CaseReach.objects.values_list("case_id", "scope", "mode", "clock_due"))


def expected_rows() -> set[tuple]:
    """The rule: the receiving office, each office a message was sent to, and their provinces; each
    row with the promised due date while the clock runs (accepted to decided, not suspended)."""
    rows = set()
    for case in Case.objects.select_related("receiving_office"):
        offices = [case.receiving_office]
        offices += [m.to_office for m in HandoffMessage.objects.filter(case=case).select_related("to_office")]
        running = case.status in {"accepted", "coordinating", "in_review", "legs_agreed"}
        due = case.promised_due if running and case.suspended_since is None else None
        for office in offices:
            rows |= {
                (case.pk, f"office:{office.pk}", case.mode, due),
                (case.pk, f"province:{office.region_id[:2]}", case.mode, due),
            }
    return rows


def test_a_case_reaches_its_window_at_registration_and_the_handling_office_with_the_transfer(
    window_clerk, handling_officer, offices
):
    case = register(window_clerk, "proxy", offices)
    hall, department = offices["hall_a"], offices["dept_b"]
    assert reach_rows() == {
        (case.pk, f"office:{hall.pk}", "proxy", None),
        (case.pk, f"province:{hall.region_id[:2]}", "proxy", None),
    }
    assert client_for(handling_officer).get(f"/api/v1/cases/{case.number}/").status_code == 404
    for action in ("pass_formal_review", "check_identity", "transfer"):
        case = act(window_clerk, case, action)
    assert (case.pk, f"office:{department.pk}", "proxy", None) in reach_rows()
    assert (case.pk, f"province:{department.region_id[:2]}", "proxy", None) in reach_rows()
    assert client_for(handling_officer).get(f"/api/v1/cases/{case.number}/").status_code == 200
    assert reach_rows() == expected_rows()


def test_a_second_message_to_the_same_office_adds_nothing(window_clerk, handling_officer, offices):
    case = register(window_clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity", "transfer"):
        case = act(window_clerk, case, action)
    before = CaseReach.objects.count()
    case = act(window_clerk, case, "ship_materials", carrier="EMS", tracking_number="EMS1234567890")
    assert HandoffMessage.objects.filter(case=case, to_office=offices["dept_b"]).count() == 2
    assert CaseReach.objects.count() == before


def test_the_backfill_of_the_migration_writes_the_rows_the_portal_writes(
    window_clerk, handling_officer, applicant, receiving_officer, offices
):
    register(window_clerk, "proxy", offices)
    transferred = register(window_clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity", "transfer"):
        act(window_clerk, transferred, action)
    accepted = register(window_clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity", "transfer"):
        act(window_clerk, accepted, action)
    for action in ("sign_for", "accept"):
        accepted = act(handling_officer, accepted, action)
    assert CaseReach.objects.filter(case=accepted, clock_due=accepted.promised_due).count() == 4
    online = case_payload("online", offices)
    del online["applicant"]
    assert client_for(applicant).post("/api/v1/cases/", online, format="json").status_code == 201
    register(receiving_officer, "joint", offices)
    written = reach_rows()
    assert written == expected_rows() and len(written) >= 10

    CaseReach.objects.all().delete()
    call_command("backfill_reach", stdout=io.StringIO())  # migration 0005's SQL, with the clock
    assert reach_rows() == written


def test_the_backfill_and_migration_0007_set_every_rows_clock_from_its_case(
    window_clerk, handling_officer, offices
):
    cases = []
    for _ in range(3):
        case = register(window_clerk, "proxy", offices)
        for action in ("pass_formal_review", "check_identity", "transfer"):
            case = act(window_clerk, case, action)
        cases.append(act(handling_officer, case, "sign_for"))
    running, suspended, waiting = cases
    running = act(handling_officer, running, "accept")
    suspended = act(handling_officer, act(handling_officer, suspended, "accept"), "start_review")
    suspended = act(handling_officer, suspended, "suspend", reason="专家评审")
    written = reach_rows()
    assert {row[3] for row in written} == {None, running.promised_due}

    # Rows written before the column (migration 0007), or left wrong: each is set from its case again.
    CaseReach.objects.update(clock_due=None)
    CaseReach.objects.filter(case=suspended).update(clock_due=running.promised_due)
    call_command("backfill_reach", stdout=io.StringIO())
    assert reach_rows() == written

    CaseReach.objects.update(clock_due=None)
    migration = importlib.import_module("cases.migrations.0007_reach_clock_due")
    with connection.cursor() as cursor:
        cursor.execute(migration.FOLLOW_CLOCK_SQL)
    assert reach_rows() == written


def test_the_backfill_adds_only_what_is_missing_and_can_run_again(window_clerk, handling_officer, offices):
    case = register(window_clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity", "transfer"):
        case = act(window_clerk, case, action)
    written = reach_rows()
    # A message committed by code that did not write the reach yet (a deploy in progress).
    CaseReach.objects.filter(case=case, scope=f"office:{offices['dept_b'].pk}").delete()
    assert client_for(handling_officer).get(f"/api/v1/cases/{case.number}/").status_code == 404
    out = io.StringIO()
    call_command("backfill_reach", stdout=out)
    assert "Reach rows added: 1" in out.getvalue()
    assert reach_rows() == written
    assert client_for(handling_officer).get(f"/api/v1/cases/{case.number}/").status_code == 200
    call_command("backfill_reach", stdout=out)
    assert out.getvalue().endswith("Reach rows added: 0\n") and reach_rows() == written


def test_the_generator_writes_the_rows_the_portal_would(db):
    call_command("generate_cases", cases=120, seed=5, chunk=50, force=True, stdout=io.StringIO())
    generated = reach_rows()
    assert len(generated) >= 2 * 120  # each case: at least its receiving office and that province
    assert generated == expected_rows()
    assert any(row[3] for row in generated)  # cases with the clock running carry it
