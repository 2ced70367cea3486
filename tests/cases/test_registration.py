"""Registering a case in one call: what is checked, and that a refused request writes nothing."""

import pytest
from django.utils import translation

from cases.models import Applicant, Case, HandoffMessage, Material
from catalogue.models import ServiceItem
from tests.builders import case_payload, set_modes, set_status

from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def refused(client, payload):
    before = (Case.objects.count(), Applicant.objects.count(), HandoffMessage.objects.count())
    reply = client.post("/api/v1/cases/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert reply.status_code == 400, reply.content
    assert (Case.objects.count(), Applicant.objects.count(), HandoffMessage.objects.count()) == before
    return reply.json()


def test_a_bad_id_number_is_a_400_on_that_field(applicant, offices):
    payload = case_payload("online", offices)
    payload["applicant"]["id_number"] = "110105194912310021"
    body = refused(client_for(applicant), payload)
    assert "last character" in body["applicant"]["id_number"][0]


def test_a_window_clerk_records_an_agent_with_an_identity_and_a_mandate(window_clerk, offices):
    payload = case_payload("proxy", offices)
    payload["applicant"].update(agent_name="李四")
    body = refused(client_for(window_clerk), payload)["applicant"]
    assert set(body) == {"agent_id_number", "mandate"}
    payload["applicant"].update(
        agent_id_type="resident_id",
        agent_id_number="44030519850615002X",
        mandate="授权委托书（2026-11-27 签署）",
    )
    assert client_for(window_clerk).post("/api/v1/cases/", payload, format="json").status_code == 201


def test_the_item_must_be_published_and_support_the_mode(applicant, offices, window_clerk):
    set_status("KS-2-001", ServiceItem.Status.DRAFT)
    assert "item" in refused(client_for(applicant), case_payload("online", offices))
    set_modes("KS-2-002", "online")
    assert "mode" in refused(client_for(window_clerk), case_payload("proxy", offices))


def test_proxy_cases_are_registered_by_window_clerks_at_their_own_hall(applicant, window_clerk, offices):
    assert "mode" in refused(client_for(applicant), case_payload("proxy", offices))
    payload = case_payload("proxy", offices, handling_office=offices["dept_a"].code)
    payload["handling_office"] = offices["hall_a"].code
    assert "handling_office" in refused(client_for(window_clerk), payload)


def test_the_handling_office_must_be_of_the_items_department_line(applicant, offices):
    payload = case_payload("online", offices, handling_office=offices["dept_c"].code)  # 人社 for a 公安 item
    assert "人力资源社会保障部" in refused(client_for(applicant), payload)["handling_office"][0]


def test_online_cases_need_a_handling_department_and_an_address_for_post(applicant, offices):
    payload = case_payload("online", offices)
    payload.pop("handling_office")
    assert "handling_office" in refused(client_for(applicant), payload)
    payload = case_payload("online", offices, delivery_method="post")
    assert "delivery_address" in refused(client_for(applicant), payload)
    payload = case_payload("online", offices, handling_office="no-such-office")
    assert "handling_office" in refused(client_for(applicant), payload)


def test_joint_cases_need_distinct_cooperating_departments_in_a_sensible_order(applicant, offices):
    client = client_for(applicant)
    assert "cooperating" in refused(client, case_payload("joint", offices, cooperating=[]))
    same = [{"office": offices["dept_a"].code}]
    assert "cooperating" in refused(client, case_payload("joint", offices, cooperating=same))
    hall = [{"office": offices["hall_a"].code}]
    assert "cooperating" in refused(client, case_payload("joint", offices, cooperating=hall))
    backwards = [
        {"office": offices["dept_b"].code, "after": offices["dept_c"].code},
        {"office": offices["dept_c"].code},
    ]
    assert "cooperating" in refused(client, case_payload("joint", offices, cooperating=backwards))


def test_materials_metadata_is_recorded_at_registration(window_clerk, offices):
    requirement = ServiceItem.objects.get(code="KS-2-002").materials.first()
    payload = case_payload(
        "proxy",
        offices,
        materials=[
            {"name": "居民身份证", "requirement": requirement.pk, "original_on_paper": True},
            {"name": "户口簿复印件"},
        ],
    )
    reply = client_for(window_clerk).post("/api/v1/cases/", payload, format="json")
    assert reply.status_code == 201
    assert [(m["name"], m["original_on_paper"]) for m in reply.json()["materials"]] == [
        ("居民身份证", True),
        ("户口簿复印件", False),
    ]
    other = ServiceItem.objects.get(code="KS-1-001").materials.first()
    payload["materials"] = [{"name": "x", "requirement": other.pk}]
    assert "materials" in refused(client_for(window_clerk), payload)
    assert Material.objects.count() == 2


def test_case_numbers_are_per_receiving_region_and_day(window_clerk, offices):
    first = (
        client_for(window_clerk).post("/api/v1/cases/", case_payload("proxy", offices), format="json").json()
    )
    second = (
        client_for(window_clerk).post("/api/v1/cases/", case_payload("proxy", offices), format="json").json()
    )
    assert first["number"][:-5] == second["number"][:-5]
    assert int(second["number"][-5:]) == int(first["number"][-5:]) + 1


def test_the_case_keeps_the_item_version_it_was_filed_under(applicant, offices):
    reply = (
        client_for(applicant).post("/api/v1/cases/", case_payload("online", offices), format="json").json()
    )
    item = ServiceItem.objects.get(code="KS-2-001")
    item.name = "改过的名称"
    item.save()
    case = Case.objects.get(number=reply["number"])
    assert case.item_version.name == "开具有无犯罪记录证明"
    assert reply["item_version"]["history_id"] == case.item_version.history_id
