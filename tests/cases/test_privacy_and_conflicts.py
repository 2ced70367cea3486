"""Personal data by the one masking rule, audited reveals, and 409s that say what is possible."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from cases.models import Case, CaseEvent, RevealRecord
from tests.builders import act, case_payload, register
from tests.conftest import make_user

from .conftest import client_for

pytestmark = pytest.mark.django_db


def post(client, number, action, **data):
    return client.post(
        f"/api/v1/cases/{number}/actions/{action}/", data, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )


def transferred_online_case(applicant, offices):
    return register(applicant, "online", offices)  # submitted: sent to 成都 at once


def test_the_applicants_name_in_the_timeline_is_masked_like_the_applicant_block(
    applicant, handling_officer, supervisor_b, offices
):
    case = transferred_online_case(applicant, offices)
    for user in (handling_officer, supervisor_b):
        detail = client_for(user).get(f"/api/v1/cases/{case.number}/").json()
        submitted = detail["timeline"][0]
        assert submitted["actor_role"] == "applicant"
        assert submitted["actor_name"] == detail["applicant_name"] == detail["applicant"]["name"] == "张**"
    revealed = client_for(handling_officer).post(f"/api/v1/cases/{case.number}/reveal/").json()
    assert revealed["timeline"][0]["actor_name"] == revealed["applicant"]["name"] == "张三丰"
    mine = client_for(applicant).get(f"/api/v1/cases/{case.number}/").json()
    assert mine["timeline"][0]["actor_name"] == "张三丰"


def test_only_staff_of_an_office_the_case_reached_may_reveal(
    applicant, handling_officer, supervisor_b, window_clerk, offices
):
    case = transferred_online_case(applicant, offices)
    supervisor = client_for(supervisor_b)
    assert supervisor.get(f"/api/v1/cases/{case.number}/").json()["may_reveal"] is False
    assert supervisor.post(f"/api/v1/cases/{case.number}/reveal/").status_code == 403
    assert client_for(window_clerk).post(f"/api/v1/cases/{case.number}/reveal/").status_code == 404
    assert client_for(applicant).post(f"/api/v1/cases/{case.number}/reveal/").status_code == 403
    assert not RevealRecord.objects.exists()


def test_opening_a_document_is_a_recorded_reveal(applicant, handling_officer, offices):
    case = transferred_online_case(applicant, offices)
    pdf = SimpleUploadedFile("户口簿.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")
    uploaded = client_for(applicant).post(f"/api/v1/cases/{case.number}/materials/", {"file": pdf}).json()
    material = uploaded["materials"][0]
    assert client_for(applicant).get(material["download"]).status_code == 200
    assert not RevealRecord.objects.exists()  # the applicant's own document
    staff_view = client_for(handling_officer).get(f"/api/v1/cases/{case.number}/").json()
    link = staff_view["materials"][0]["download"]
    assert link and client_for(handling_officer).get(link).status_code == 200
    record = RevealRecord.objects.get()
    assert (record.username, record.what) == ("officer_b", f"material:{material['id']} 户口簿.pdf")


def test_supervisors_list_the_reveals_of_their_province_and_others_none(
    applicant, handling_officer, supervisor_b, window_clerk, offices
):
    case = transferred_online_case(applicant, offices)
    client_for(handling_officer).post(f"/api/v1/cases/{case.number}/reveal/")
    proxy = register(window_clerk, "proxy", offices)
    client_for(window_clerk).post(f"/api/v1/cases/{proxy.number}/reveal/")  # in 广东
    listed = client_for(supervisor_b).get("/api/v1/reveals/").json()["results"]
    assert [(r["case_number"], r["username"]) for r in listed] == [(case.number, "officer_b")]
    assert client_for(handling_officer).get("/api/v1/reveals/").json()["results"] == []
    root = make_user("root", is_superuser=True)
    assert len(client_for(root).get("/api/v1/reveals/").json()["results"]) == 2


def test_an_idempotency_key_replayed_by_another_user_is_their_own_request(
    applicant, handling_officer, second_officer, offices
):
    case = transferred_online_case(applicant, offices)
    first = client_for(handling_officer).post(
        f"/api/v1/cases/{case.number}/actions/accept/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == 200
    # The same key from someone else is not a replay of the officer's accept: it is checked on its own.
    other = client_for(applicant).post(
        f"/api/v1/cases/{case.number}/actions/accept/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code in (403, 409)
    colleague = client_for(second_officer).post(
        f"/api/v1/cases/{case.number}/actions/accept/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert colleague.status_code == 409 and colleague.json()["status"] == "accepted"
    assert CaseEvent.objects.filter(case=case, action="accept").count() == 1


def test_a_version_conflict_names_the_status_and_the_actions_possible_now(
    applicant, handling_officer, offices
):
    case = transferred_online_case(applicant, offices)
    reply = client_for(handling_officer).post(
        f"/api/v1/cases/{case.number}/actions/accept/",
        {},
        format="json",
        HTTP_IF_MATCH='"99"',
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert reply.status_code == 409
    body = reply.json()
    assert "version" in body["detail"] and body["status"] == "submitted" and body["leg"] is None
    assert sorted(body["allowed_actions"]) == ["accept", "refuse", "request_correction"]


def test_a_409_on_a_leg_names_the_leg_its_status_and_the_callers_actions_on_it(
    applicant, receiving_officer, leg_officer, offices
):
    payload = case_payload("joint", offices)
    number = client_for(applicant).post("/api/v1/cases/", payload, format="json").json()["number"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        legs = post(client_for(receiving_officer), number, "accept").json()["legs"]
    leg = legs[0]["id"]
    changsha = client_for(leg_officer)
    reply = post(changsha, number, "agree_leg", leg=leg, opinion="同意")
    assert reply.status_code == 409
    body = reply.json()
    assert (body["status"], body["leg"]) == ("to_sign", leg)
    assert sorted(body["allowed_actions"]) == ["return_leg", "sign_leg"]
    assert "长沙市芙蓉区人力资源和社会保障局" in body["detail"] and "To be signed for" in body["detail"]


def test_a_joint_leg_office_sees_the_case_in_full_only_after_revealing_and_only_once_released(
    applicant, receiving_officer, leg_officer, offices
):
    number = register(applicant, "joint", offices).number
    changsha = client_for(leg_officer)
    assert changsha.get(f"/api/v1/cases/{number}/").status_code == 404  # planned: not sent yet
    act(receiving_officer, Case.objects.get(number=number), "accept")
    detail = changsha.get(f"/api/v1/cases/{number}/").json()
    assert detail["applicant"]["id_number"] == "110105********002X" and detail["may_reveal"] is True
