"""Who a case has reached (CaseReach): written with the registration and each message, read by
every staff list; the migration's backfill and the volume generator write the same rows."""

import io

import pytest
from django.core.management import call_command

from cases.models import Case, CaseReach, HandoffMessage
from tests.builders import act, case_payload, register

from .conftest import client_for

pytestmark = pytest.mark.django_db


def reach_rows() -> set[tuple]:
    return set(CaseReach.objects.values_list("case_id", "scope", "mode"))


def expected_rows() -> set[tuple]:
    """The rule: the receiving office, each office a message was sent to, and their provinces."""
    rows = set()
    for case in Case.objects.select_related("receiving_office"):
        offices = [case.receiving_office]
        offices += [m.to_office for m in HandoffMessage.objects.filter(case=case).select_related("to_office")]
        for office in offices:
            rows |= {
                (case.pk, f"office:{office.pk}", case.mode),
                (case.pk, f"province:{office.region_id[:2]}", case.mode),
            }
    return rows


def test_a_case_reaches_its_window_at_registration_and_the_handling_office_with_the_transfer(
    window_clerk, handling_officer, offices
):
    case = register(window_clerk, "proxy", offices)
    hall, department = offices["hall_a"], offices["dept_b"]
    assert reach_rows() == {
        (case.pk, f"office:{hall.pk}", "proxy"),
        (case.pk, f"province:{hall.region_id[:2]}", "proxy"),
    }
    assert client_for(handling_officer).get(f"/api/v1/cases/{case.number}/").status_code == 404
    for action in ("pass_formal_review", "check_identity", "transfer"):
        case = act(window_clerk, case, action)
    assert (case.pk, f"office:{department.pk}", "proxy") in reach_rows()
    assert (case.pk, f"province:{department.region_id[:2]}", "proxy") in reach_rows()
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
    window_clerk, applicant, receiving_officer, offices
):
    register(window_clerk, "proxy", offices)
    transferred = register(window_clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity", "transfer"):
        act(window_clerk, transferred, action)
    online = case_payload("online", offices)
    del online["applicant"]
    assert client_for(applicant).post("/api/v1/cases/", online, format="json").status_code == 201
    register(receiving_officer, "joint", offices)
    written = reach_rows()
    assert written == expected_rows() and len(written) >= 10

    CaseReach.objects.all().delete()
    call_command("backfill_reach", stdout=io.StringIO())  # migration 0005's SQL
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
