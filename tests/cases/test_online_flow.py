"""全程网办 end to end through the API: an applicant in 广东 applies to a handling office in 四川."""

import pytest

from cases.models import Case, HandoffMessage, InboxEntry, Notification
from tests.builders import case_payload

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_an_online_case_goes_from_submission_to_conclusion(applicant, handling_officer, offices):
    me, officer = client_for(applicant), client_for(handling_officer)
    response = me.post("/api/v1/cases/", case_payload("online", offices), format="json")
    assert response.status_code == 201, response.content
    case = response.json()
    number = case["number"]
    assert number.startswith("510104-") and "-O-" in number  # handled (and received) in 成都锦江
    assert case["status"] == "submitted"
    assert case["applicant"]["id_number"] == "11010519491231002X"  # the applicant sees their own data

    # The submission reached the handling office as a delivered handoff with an inbox entry.
    message = HandoffMessage.objects.get(case__number=number)
    assert (message.kind, message.status, message.to_office) == ("submitted", "delivered", offices["dept_b"])
    assert InboxEntry.objects.filter(message=message, office=offices["dept_b"], kind="to_accept").exists()
    assert Notification.objects.filter(user=handling_officer, case__number=number).exists()
    assert [c["number"] for c in officer.get("/api/v1/inbox/").json()["to_accept"]] == [number]

    def act(client, action, **data):
        reply = client.post(f"/api/v1/cases/{number}/actions/{action}/", data, format="json")
        assert reply.status_code == 200, reply.content
        return reply.json()

    act(officer, "request_correction", missing="1. 身份证反面照片 2. 委托书")
    act(me, "resubmit")
    accepted = act(officer, "accept")
    assert accepted["statutory_due"] and accepted["promised_due"]
    act(officer, "start_review")
    act(officer, "approve")
    act(officer, "deliver_online")
    done = act(officer, "conclude")
    assert done["status"] == "concluded"
    assert [e["action"] for e in done["timeline"]] == [
        "submit",
        "request_correction",
        "resubmit",
        "accept",
        "start_review",
        "approve",
        "deliver_online",
        "conclude",
    ]
    correction = done["timeline"][1]
    assert correction["office_name"] == "成都市公安局锦江区分局" and correction["region_code"] == "510104"
    assert correction["note"] == "1. 身份证反面照片 2. 委托书"
    assert done["allowed_actions"] == []
    assert Case.objects.get(number=number).closed_at is not None


def test_the_applicant_follows_progress_and_sees_what_they_may_do(applicant, handling_officer, offices):
    me = client_for(applicant)
    number = me.post("/api/v1/cases/", case_payload("online", offices), format="json").json()["number"]
    mine = me.get(f"/api/v1/cases/{number}/").json()
    assert {a["action"] for a in mine["allowed_actions"]} == {"add_material", "withdraw"}
    assert [c["number"] for c in me.get("/api/v1/cases/").json()["results"]] == [number]
    officer = client_for(handling_officer).get(f"/api/v1/cases/{number}/").json()
    assert {a["action"] for a in officer["allowed_actions"]} == {"accept", "refuse", "request_correction"}


def test_a_refusal_needs_a_reason_and_ends_the_case(applicant, handling_officer, offices):
    number = (
        client_for(applicant)
        .post("/api/v1/cases/", case_payload("online", offices), format="json")
        .json()["number"]
    )
    officer = client_for(handling_officer)
    reply = officer.post(f"/api/v1/cases/{number}/actions/refuse/", {}, format="json")
    assert reply.status_code == 400 and "reason" in reply.json()
    assert Case.objects.get(number=number).status == "submitted"
    reply = officer.post(
        f"/api/v1/cases/{number}/actions/refuse/", {"reason": "不属于本机关管辖"}, format="json"
    )
    assert reply.json()["status"] == "refused"
    assert reply.json()["decision_note"] == "不属于本机关管辖"


def test_the_applicant_is_notified_of_each_status_change(applicant, handling_officer, offices):
    me = client_for(applicant)
    number = me.post("/api/v1/cases/", case_payload("online", offices), format="json").json()["number"]
    officer = client_for(handling_officer)
    officer.post(f"/api/v1/cases/{number}/actions/request_correction/", {"missing": "户口簿"}, format="json")
    me.post(f"/api/v1/cases/{number}/actions/resubmit/", {}, format="json")  # their own action: no note
    officer.post(f"/api/v1/cases/{number}/actions/accept/", {}, format="json")
    kinds = [n["kind"] for n in me.get("/api/v1/notifications/").json()["results"]]
    assert kinds == ["status_accepted", "status_correction_requested"]
