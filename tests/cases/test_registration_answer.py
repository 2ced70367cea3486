"""The answer to a registration is built from the rows just written, not read back
(`registration._as_written`): it must say exactly what reading the case back says."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import MaterialRequirement, ServiceItem
from tests.builders import JOINT_ITEM, PROXY_ITEM, case_payload

from .conftest import client_for

pytestmark = pytest.mark.django_db


def materials_of(code: str) -> list[dict]:
    """Every requirement of the item handed in, plus one paper not on its list."""
    item = ServiceItem.objects.get(code=code)
    rows = [
        {"name": r.name, "requirement": r.pk, "original_on_paper": True, "original_seen": True}
        for r in MaterialRequirement.objects.filter(item=item)
    ]
    return [*rows, {"name": "情况说明（手写，2页）", "copy_kept": True}]


def assert_answer_is_the_case_read_back(user, payload):
    client = client_for(user)
    filed = client.post("/api/v1/cases/", payload, format="json")
    assert filed.status_code == 201, filed.content
    read = client.get(f"/api/v1/cases/{filed.json()['number']}/")
    assert read.status_code == 200
    assert filed.json() == read.json()
    assert filed["ETag"] == read["ETag"]
    return filed.json()


def test_a_proxy_registration_with_materials_answers_the_case_as_read_back(window_clerk, offices):
    answer = assert_answer_is_the_case_read_back(
        window_clerk, case_payload("proxy", offices, materials=materials_of(PROXY_ITEM), note="窗口收件")
    )
    assert len(answer["materials"]) == MaterialRequirement.objects.filter(item__code=PROXY_ITEM).count() + 1
    assert [event["action"] for event in answer["timeline"]] == ["register"]
    assert answer["allowed_actions"] and answer["may_reveal"] is True


def test_an_online_submission_answers_the_case_as_read_back(applicant, offices):
    payload = case_payload("online", offices)
    del payload["applicant"]  # an applicant files in their own verified name
    answer = assert_answer_is_the_case_read_back(applicant, payload)
    assert answer["applicant"]["name"] and answer["personal_data_revealed"] is True
    assert answer["handoffs"] == []  # the applicant does not see the outbox


def test_a_joint_registration_with_ordered_regions_answers_the_case_as_read_back(receiving_officer, offices):
    answer = assert_answer_is_the_case_read_back(
        receiving_officer,
        case_payload(
            "joint",
            offices,
            cooperating=[
                {"office": offices["dept_c"].code},
                {"office": offices["dept_b"].code, "after": offices["dept_c"].code, "required": False},
            ],
            materials=materials_of(JOINT_ITEM),
        ),
    )
    first, second = answer["legs"]
    assert second["depends_on"] == first["id"] and second["required"] is False


def test_the_answer_to_a_registration_reads_no_case_back(window_clerk, offices):
    client = client_for(window_clerk)
    with CaptureQueriesContext(connection) as queries:
        assert client.post("/api/v1/cases/", case_payload("proxy", offices), format="json").status_code == 201
    sql = [q["sql"] for q in queries.captured_queries]
    numbered = next(i for i, q in enumerate(sql) if q.startswith('UPDATE "cases_case" SET "number"'))
    reads = [q for q in sql[numbered + 1 :] if q.startswith("SELECT")]
    # Only the outbox is read after the last write (staff see it; publishing changes it after the commit).
    assert reads and all('FROM "cases_handoffmessage"' in q for q in reads), reads
