"""异地代收代办 end to end: a window in 深圳 receives paper, an office in 成都 decides."""

import pytest

from cases.models import Case, HandoffMessage, Shipment
from tests.builders import case_payload

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_proxy_case_goes_from_the_window_to_the_handling_office_and_back(
    window_clerk, handling_officer, offices
):
    clerk, officer = client_for(window_clerk), client_for(handling_officer)
    response = clerk.post("/api/v1/cases/", case_payload("proxy", offices), format="json")
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    assert number.startswith("440305-") and "-P-" in number  # received in 深圳南山
    assert response.json()["status"] == "received"

    def act(client, action, **data):
        reply = client.post(f"/api/v1/cases/{number}/actions/{action}/", data, format="json")
        assert reply.status_code == 200, (action, reply.content)
        return reply.json()

    act(clerk, "pass_formal_review")
    act(clerk, "check_identity")
    transferred = act(clerk, "transfer")
    assert transferred["sign_due"]
    act(clerk, "ship_materials", carrier="EMS", tracking_number="EMS1234567890")
    inbox = officer.get("/api/v1/inbox/").json()
    assert [c["number"] for c in inbox["to_sign"]] == [number]
    assert {a["kind"] for a in inbox["arrivals"]} == {"to_sign", "incoming_paper"}

    act(officer, "sign_for")
    assert officer.get("/api/v1/inbox/").json()["arrivals"] == []  # dealt with by acting
    act(officer, "receive_materials")
    act(officer, "accept")
    act(officer, "start_review")
    act(officer, "approve")
    act(officer, "ship_result", carrier="EMS", tracking_number="EMS9876543210", ship_to="window")
    assert [a["kind"] for a in clerk.get("/api/v1/inbox/").json()["arrivals"]][0] == "incoming_result"
    act(clerk, "receive_result")
    done = act(clerk, "record_pickup")
    assert done["status"] == "concluded"

    kinds = list(
        HandoffMessage.objects.filter(case__number=number)
        .order_by("created_at")
        .values_list("kind", "to_office__code", "status")
    )
    assert kinds == [
        ("transfer", "sc-jinjiang-mps", "delivered"),
        ("materials_shipped", "sc-jinjiang-mps", "delivered"),
        ("signed", "gd-nanshan-hall", "delivered"),
        ("accepted", "gd-nanshan-hall", "delivered"),
        ("result_shipped", "gd-nanshan-hall", "delivered"),
    ]
    shipments = Shipment.objects.filter(case__number=number).order_by("id")
    assert [(s.kind, s.received_at is not None) for s in shipments] == [
        ("materials", True),
        ("result_to_window", True),
    ]
    timeline = done["timeline"]
    # Every hop traceable to a person, an office and a region.
    assert {(e["office_name"], e["region_code"]) for e in timeline} == {
        ("深圳市南山区政务服务中心", "440305"),
        ("成都市公安局锦江区分局", "510104"),
    }
    assert all(e["actor_name"] for e in timeline)


def test_the_handling_office_returns_a_transfer_and_the_window_sends_it_again(
    window_clerk, handling_officer, offices
):
    clerk, officer = client_for(window_clerk), client_for(handling_officer)
    number = clerk.post("/api/v1/cases/", case_payload("proxy", offices), format="json").json()["number"]
    for action in ("pass_formal_review", "check_identity", "transfer"):
        clerk.post(f"/api/v1/cases/{number}/actions/{action}/", {}, format="json")
    reply = officer.post(
        f"/api/v1/cases/{number}/actions/return/", {"reason": "缺少户口簿复印件"}, format="json"
    )
    assert reply.json()["status"] == "returned"
    arrivals = clerk.get("/api/v1/inbox/").json()["arrivals"]
    assert arrivals[0]["kind"] == "returned"
    reply = clerk.post(f"/api/v1/cases/{number}/actions/transfer/", {}, format="json")
    assert reply.json()["status"] == "transferred"
    assert HandoffMessage.objects.filter(case__number=number, kind="transfer").count() == 2


def test_a_result_posted_to_the_applicant_is_concluded_by_the_handling_office(
    window_clerk, handling_officer, offices
):
    clerk, officer = client_for(window_clerk), client_for(handling_officer)
    payload = case_payload(
        "proxy", offices, delivery_method="post", delivery_address="广东省深圳市南山区科技园1号"
    )
    number = clerk.post("/api/v1/cases/", payload, format="json").json()["number"]
    for client, action in (
        (clerk, "pass_formal_review"),
        (clerk, "check_identity"),
        (clerk, "transfer"),
        (officer, "sign_for"),
        (officer, "accept"),
        (officer, "start_review"),
    ):
        client.post(f"/api/v1/cases/{number}/actions/{action}/", {}, format="json")
    officer.post(f"/api/v1/cases/{number}/actions/deny/", {"reason": "不符合条件"}, format="json")
    reply = officer.post(
        f"/api/v1/cases/{number}/actions/ship_result/",
        {"carrier": "EMS", "tracking_number": "EMS5550001112", "ship_to": "applicant"},
        format="json",
    )
    assert reply.json()["status"] == "result_shipped"
    # The window cannot receive a result that was posted to the applicant.
    wrong = clerk.post(f"/api/v1/cases/{number}/actions/receive_result/", {}, format="json")
    assert wrong.status_code == 400 and "shipment" in wrong.json()
    done = officer.post(f"/api/v1/cases/{number}/actions/confirm_delivery/", {}, format="json").json()
    assert (done["status"], done["decision"]) == ("concluded", "denied")
    assert Case.objects.get(number=number).closed_at is not None
