"""`Prefer: return=minimal` (RFC 7240): a client filing or acting in bulk gets the number, status,
version and URL instead of the whole case; without it, the whole case as before."""

import pytest

from cases.models import Case
from tests.builders import case_payload

from .conftest import client_for

pytestmark = pytest.mark.django_db

MINIMAL = {"HTTP_PREFER": "return=minimal"}


def test_a_registration_asked_for_a_minimal_answer_gets_number_status_version_and_where_the_case_is(
    window_clerk, offices
):
    reply = client_for(window_clerk).post(
        "/api/v1/cases/", case_payload("proxy", offices), format="json", **MINIMAL
    )
    assert reply.status_code == 201, reply.content
    case = Case.objects.get()
    assert reply.json() == {
        "number": case.number,
        "status": case.status,
        "version": case.version,
        "url": f"http://testserver/api/v1/cases/{case.number}/",
    }
    assert reply["Location"] == reply.json()["url"]
    assert reply["ETag"] == f'"{case.version}"'
    assert reply["Preference-Applied"] == "return=minimal"


def test_a_repeated_registration_with_the_same_key_answers_the_same_case_minimally(window_clerk, offices):
    client = client_for(window_clerk)
    payload = case_payload("proxy", offices)
    first = client.post("/api/v1/cases/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1", **MINIMAL)
    again = client.post("/api/v1/cases/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1", **MINIMAL)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Case.objects.count() == 1


def test_an_action_asked_for_a_minimal_answer_gets_the_new_status_and_version(window_clerk, offices):
    client = client_for(window_clerk)
    number = client.post("/api/v1/cases/", case_payload("proxy", offices), format="json").json()["number"]
    reply = client.post(
        f"/api/v1/cases/{number}/actions/pass_formal_review/",
        {},
        format="json",
        HTTP_IF_MATCH='"1"',
        **MINIMAL,
    )
    assert reply.status_code == 200, reply.content
    case = Case.objects.get(number=number)
    assert reply.json()["status"] == case.status == "reviewed"
    assert reply.json()["version"] == case.version == 2


def test_without_the_preference_the_answer_is_the_whole_case(window_clerk, offices):
    reply = client_for(window_clerk).post(
        "/api/v1/cases/", case_payload("proxy", offices), format="json", HTTP_PREFER="return=representation"
    )
    assert reply.status_code == 201
    assert {"timeline", "materials", "allowed_actions", "applicant"} <= set(reply.json())
    assert "Preference-Applied" not in reply


def test_the_preference_may_be_quoted_and_come_among_others(window_clerk, offices):
    reply = client_for(window_clerk).post(
        "/api/v1/cases/",
        case_payload("proxy", offices),
        format="json",
        HTTP_PREFER='respond-async, return="minimal"; foo=bar',
    )
    assert reply.status_code == 201 and reply["Preference-Applied"] == "return=minimal"
    assert set(reply.json()) == {"number", "status", "version", "url"}
