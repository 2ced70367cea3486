"""多地联办 end to end: 深圳 accepts a pension transfer; 长沙 and 成都 each sign for and answer their leg."""

import pytest

from cases.models import Case, HandoffMessage, Leg
from tests.builders import case_payload

from .conftest import client_for

pytestmark = pytest.mark.django_db


def post(client, number, action, **data):
    return client.post(f"/api/v1/cases/{number}/actions/{action}/", data, format="json")


def joint_case(applicant, offices, **extra):
    payload = case_payload(
        "joint",
        offices,
        cooperating=[
            {"office": offices["dept_c"].code},  # 转出地 first
            {"office": offices["dept_b"].code, "after": offices["dept_c"].code},  # then the second region
        ],
        **extra,
    )
    response = client_for(applicant).post("/api/v1/cases/", payload, format="json")
    assert response.status_code == 201, response.content
    return response.json()["number"]


def test_a_joint_case_is_decided_when_every_region_agreed_in_order(
    applicant, receiving_officer, leg_officer, handling_officer, offices
):
    number = joint_case(applicant, offices)
    accepting, changsha, chengdu = (client_for(u) for u in (receiving_officer, leg_officer, handling_officer))
    assert changsha.get(f"/api/v1/cases/{number}/").status_code == 404  # invisible until accepted

    accepted = post(accepting, number, "accept").json()
    assert accepted["status"] == "coordinating"
    legs = {leg["office"]["code"]: leg for leg in accepted["legs"]}
    first, second = legs["hn-furong-hrss"], legs["sc-jinjiang-mps"]
    assert (first["status"], second["status"]) == ("to_sign", "waiting")
    assert [e["legs_to_sign"] for e in [changsha.get("/api/v1/inbox/").json()]][0][0]["case"] == number
    # 成都's leg waits for 长沙: nothing was sent to 成都 yet, so the case does not exist for it.
    assert chengdu.get(f"/api/v1/cases/{number}/").status_code == 404
    assert chengdu.get("/api/v1/cases/").json()["results"] == []
    assert post(chengdu, number, "sign_leg", leg=second["id"]).status_code == 404
    post(changsha, number, "sign_leg", leg=first["id"])
    post(changsha, number, "start_leg", leg=first["id"])
    after_first = post(
        changsha, number, "agree_leg", leg=first["id"], opinion="转出地核对无误，同意转出"
    ).json()
    assert {leg["id"]: leg["status"] for leg in after_first["legs"]} == {
        first["id"]: "agreed",
        second["id"]: "to_sign",
    }

    post(chengdu, number, "sign_leg", leg=second["id"])
    post(chengdu, number, "start_leg", leg=second["id"])
    decided = post(chengdu, number, "agree_leg", leg=second["id"], opinion="同意").json()
    assert decided["status"] == "legs_agreed"
    assert [e["action"] for e in decided["timeline"]][-1] == "all_legs_agreed"

    post(accepting, number, "approve")
    post(accepting, number, "deliver_online")
    assert post(accepting, number, "conclude").json()["status"] == "concluded"
    messages = list(
        HandoffMessage.objects.filter(case__number=number)
        .order_by("created_at")
        .values_list("kind", "to_office__code")
    )
    assert messages == [
        ("submitted", "gd-nanshan-hrss"),
        ("leg_created", "hn-furong-hrss"),
        ("leg_signed", "gd-nanshan-hrss"),
        ("leg_answered", "gd-nanshan-hrss"),
        ("leg_created", "sc-jinjiang-mps"),
        ("leg_signed", "gd-nanshan-hrss"),
        ("leg_answered", "gd-nanshan-hrss"),
    ]
    assert not HandoffMessage.objects.filter(case__number=number).exclude(status="delivered").exists()


def test_a_disagreeing_region_ends_the_case_with_its_reasons(
    applicant, receiving_officer, leg_officer, offices
):
    number = joint_case(applicant, offices)
    post(client_for(receiving_officer), number, "accept")
    changsha = client_for(leg_officer)
    leg = Leg.objects.get(case__number=number, office=offices["dept_c"])
    post(changsha, number, "sign_leg", leg=leg.pk)
    post(changsha, number, "start_leg", leg=leg.pk)
    ended = post(
        changsha, number, "disagree_leg", leg=leg.pk, opinion="参保记录不连续，不符合转出条件"
    ).json()
    assert ended["status"] == "denied"
    assert ended["decision_note"] == "长沙市芙蓉区人力资源和社会保障局：参保记录不连续，不符合转出条件"
    waiting = Leg.objects.get(case__number=number, office=offices["dept_b"])
    assert waiting.status == "waiting"  # never released


def test_a_returned_leg_is_sent_again_by_the_accepting_office(
    applicant, receiving_officer, leg_officer, offices
):
    number = joint_case(applicant, offices)
    accepting, changsha = client_for(receiving_officer), client_for(leg_officer)
    post(accepting, number, "accept")
    leg = Leg.objects.get(case__number=number, office=offices["dept_c"])
    assert post(changsha, number, "return_leg", leg=leg.pk).status_code == 400  # needs a reason
    post(changsha, number, "return_leg", leg=leg.pk, reason="缺少转出地参保缴费凭证")
    assert Leg.objects.get(pk=leg.pk).status == "returned"
    assert accepting.get("/api/v1/inbox/").json()["arrivals"][0]["kind"] == "returned"
    resent = post(accepting, number, "resend_leg", leg=leg.pk).json()
    assert [leg_["status"] for leg_ in resent["legs"]] == ["to_sign", "waiting"]
    assert Case.objects.get(number=number).status == "coordinating"


def test_a_leg_action_names_its_leg(applicant, receiving_officer, leg_officer, offices):
    number = joint_case(applicant, offices)
    post(client_for(receiving_officer), number, "accept")
    reply = post(client_for(leg_officer), number, "sign_leg")
    assert reply.status_code == 400 and "leg" in reply.json()
