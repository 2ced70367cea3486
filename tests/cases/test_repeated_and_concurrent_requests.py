"""A repeated request never applies twice; two officers at once: one wins, the other gets a clear 409."""

import threading

import pytest
from django.db import connection

from cases import selectors, services
from cases.models import Case, CaseEvent, HandoffMessage
from tests.builders import act, case_payload, register

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_repeated_action_with_the_same_key_applies_once(window_clerk, offices):
    case = register(window_clerk, "proxy", offices)
    clerk = client_for(window_clerk)
    for _ in range(3):
        reply = clerk.post(
            f"/api/v1/cases/{case.number}/actions/pass_formal_review/",
            {},
            format="json",
            HTTP_IDEMPOTENCY_KEY="review-1",
        )
        assert reply.status_code == 200
    assert CaseEvent.objects.filter(case=case, action="pass_formal_review").count() == 1


def test_a_repeated_shipment_with_the_same_key_is_recorded_once(window_clerk, offices):
    case = register(window_clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity", "transfer"):
        case = act(window_clerk, case, action)
    clerk = client_for(window_clerk)
    data = {"carrier": "EMS", "tracking_number": "EMS1234567890"}
    for _ in range(2):
        reply = clerk.post(
            f"/api/v1/cases/{case.number}/actions/ship_materials/",
            data,
            format="json",
            HTTP_IDEMPOTENCY_KEY="ship-1",
        )
        assert reply.status_code == 200
    assert case.shipments.count() == 1
    assert HandoffMessage.objects.filter(case=case, kind="materials_shipped").count() == 1


def test_a_repeated_action_without_a_key_is_a_clear_conflict(window_clerk, offices):
    case = register(window_clerk, "proxy", offices)
    clerk = client_for(window_clerk)
    assert (
        clerk.post(f"/api/v1/cases/{case.number}/actions/pass_formal_review/", {}, format="json").status_code
        == 200
    )
    again = clerk.post(f"/api/v1/cases/{case.number}/actions/pass_formal_review/", {}, format="json")
    assert again.status_code == 409 and again.json()["status"] == "reviewed"


def test_a_key_reused_for_another_action_is_refused(window_clerk, offices):
    case = register(window_clerk, "proxy", offices)
    clerk = client_for(window_clerk)
    clerk.post(
        f"/api/v1/cases/{case.number}/actions/pass_formal_review/",
        {},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    reply = clerk.post(
        f"/api/v1/cases/{case.number}/actions/check_identity/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert reply.status_code == 409
    assert Case.objects.get(pk=case.pk).status == "reviewed"


def test_a_repeated_registration_with_the_same_key_files_one_case(applicant, offices):
    me = client_for(applicant)
    first = me.post(
        "/api/v1/cases/", case_payload("online", offices), format="json", HTTP_IDEMPOTENCY_KEY="apply-1"
    )
    second = me.post(
        "/api/v1/cases/", case_payload("online", offices), format="json", HTTP_IDEMPOTENCY_KEY="apply-1"
    )
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["number"] == second.json()["number"]
    assert Case.objects.count() == 1


def test_a_stale_version_is_a_conflict(applicant, handling_officer, offices):
    case = register(applicant, "online", offices)
    officer = client_for(handling_officer)
    reply = officer.post(
        f"/api/v1/cases/{case.number}/actions/accept/",
        {},
        format="json",
        HTTP_IF_MATCH=f'"{case.version + 5}"',
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert reply.status_code == 409 and "version" in reply.json()["detail"]
    reply = officer.post(
        f"/api/v1/cases/{case.number}/actions/accept/", {}, format="json", HTTP_IF_MATCH=f'"{case.version}"'
    )
    assert reply.status_code == 200 and reply["ETag"] == f'"{case.version + 1}"'


@pytest.mark.django_db(transaction=True)
def test_two_officers_accepting_at_once_one_wins_and_the_other_gets_a_conflict(
    reference_committed, offices, applicant, handling_officer, second_officer
):
    case = register(applicant, "online", offices)
    barrier = threading.Barrier(2)
    results = []

    def accept(user):
        actor = selectors.actor_for(user)
        barrier.wait()
        try:
            services.perform(number=case.number, action="accept", actor=actor)
            results.append("accepted")
        except (services.Conflict, services.InvalidTransition) as error:
            results.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(user,)) for user in (handling_officer, second_officer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) in (["Conflict", "accepted"], ["InvalidTransition", "accepted"])
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1
    assert Case.objects.get(pk=case.pk).status == "accepted"
