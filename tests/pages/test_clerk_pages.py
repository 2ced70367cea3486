"""Window clerks' pages: the start page of the hall, 收件 (receiving paper) and the 受理回执."""

import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases import roles
from cases.models import Case
from tests.builders import PERSON, PROXY_ITEM, act, register
from tests.cases.conftest import office, staff

START_PAGE_QUERIES = 9  # session, user, staff profile, the four lists and the page's header


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def receive_form(offices, **extra) -> dict:
    """What a clerk types for a paper submission of 户籍类证明 for 成都 at the 南山 hall."""
    return {
        "idempotency_key": str(uuid.uuid4()),
        "item": PROXY_ITEM,
        **{field: PERSON[field] for field in ("kind", "name", "id_type", "id_number", "phone", "address")},
        "handling_office": offices["dept_b"].code,
        "materials_received": "居民身份证复印件\n户口簿复印件",
        "delivery_method": "window",
        **extra,
    }


def test_the_clerk_registers_a_paper_submission_and_lands_on_the_receipt(window_clerk, offices):
    client = client_for(window_clerk)
    assert client.get("/clerk/receive/").status_code == 200

    response = client.post("/clerk/receive/", receive_form(offices), follow=True)

    case = Case.objects.get()
    assert case.mode == "proxy"
    assert case.receiving_office == offices["hall_a"]
    assert case.handling_office == offices["dept_b"]
    assert response.redirect_chain[-1][0] == f"/clerk/cases/{case.number}/receipt/"
    page = response.content.decode()
    assert case.number in page
    svg = re.search(r"<svg[^>]*class=\"segno\".*?</svg>", page, re.S)
    assert svg and "style=" not in svg.group(0)  # inline markup, nothing the CSP would block
    assert "张**" in page
    assert PERSON["id_number"] not in page
    assert "居民身份证复印件" in page
    assert offices["dept_b"].name in page


def test_the_same_form_sent_twice_files_one_case(window_clerk, offices):
    client = client_for(window_clerk)
    form = receive_form(offices)
    client.post("/clerk/receive/", form)
    client.post("/clerk/receive/", form)
    assert Case.objects.count() == 1


def test_full_width_digits_of_the_id_number_are_accepted(window_clerk, offices):
    full_width = PERSON["id_number"].translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    response = client_for(window_clerk).post("/clerk/receive/", receive_form(offices, id_number=full_width))
    assert response.status_code == 302
    assert Case.objects.get().applicant.id_number == PERSON["id_number"]


def test_a_bad_id_number_is_told_beside_the_field_and_what_was_typed_is_kept(window_clerk, offices):
    response = client_for(window_clerk).post(
        "/clerk/receive/", receive_form(offices, id_number="110105194912310021", address="红星路九号")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_id_number_error"' in page
    assert 'value="110105194912310021"' in page
    assert 'value="红星路九号"' in page
    assert "error-summary" in page
    assert not Case.objects.exists()


def test_a_handling_office_in_the_clerks_own_region_is_refused(window_clerk, offices):
    same_region = office("gd-nanshan-mps", "深圳市公安局南山分局", "department", "440305", "MPS")
    response = client_for(window_clerk).post(
        "/clerk/receive/", receive_form(offices, handling_office=same_region.code)
    )
    assert response.status_code == 400
    assert 'id="id_handling_office_error"' in response.content.decode()
    assert not Case.objects.exists()


def test_the_start_page_lists_the_case_received_today_and_waiting(window_clerk, offices):
    case = register(window_clerk, "proxy", offices)
    response = client_for(window_clerk).get("/clerk/")
    assert response.status_code == 200
    page = response.content.decode()
    # Received today, and waiting for its formal review: in both lists, each row opening the case page.
    assert page.count(f'href="/cases/{case.number}/"') == 2
    assert PERSON["name"] not in page


def test_the_start_page_makes_the_same_number_of_queries_for_one_case_or_many(window_clerk, offices):
    client = client_for(window_clerk)
    register(window_clerk, "proxy", offices)
    with CaptureQueriesContext(connection) as one:
        client.get("/clerk/")
    for _n in range(3):
        register(window_clerk, "proxy", offices)
    with CaptureQueriesContext(connection) as four:
        client.get("/clerk/")
    assert len(four) == len(one) == START_PAGE_QUERIES


def test_a_returned_case_shows_the_reason(window_clerk, handling_officer, offices):
    case = register(window_clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity", "transfer"):
        case = act(window_clerk, case, action)
    case = act(handling_officer, case, "return", reason="户口簿复印件不清晰")
    page = client_for(window_clerk).get("/clerk/").content.decode()
    assert case.status == "returned"
    assert "户口簿复印件不清晰" in page


def test_only_window_clerks_open_the_clerk_pages(handling_officer):
    client = client_for(handling_officer)
    assert client.get("/clerk/").status_code == 403
    assert client.get("/clerk/receive/").status_code == 403


def test_another_halls_clerk_does_not_see_the_receipt(window_clerk, offices):
    case = register(window_clerk, "proxy", offices)
    other_hall = office("hn-furong-hall", "长沙市芙蓉区政务服务中心", "hall", "430102")
    other_clerk = staff("clerk_c", other_hall, roles.WINDOW_CLERK)
    assert client_for(window_clerk).get(f"/clerk/cases/{case.number}/receipt/").status_code == 200
    assert client_for(other_clerk).get(f"/clerk/cases/{case.number}/receipt/").status_code == 404
    assert case.number not in client_for(other_clerk).get("/clerk/").content.decode()


@pytest.mark.parametrize("path", ["/clerk/", "/clerk/receive/"])
def test_the_clerk_pages_ask_for_a_login(client, path):
    assert client.get(path).status_code == 302


def test_delivery_by_post_needs_the_address(window_clerk, offices):
    response = client_for(window_clerk).post("/clerk/receive/", receive_form(offices, delivery_method="post"))
    assert response.status_code == 400
    assert 'id="id_delivery_address_error"' in response.content.decode()
    assert not Case.objects.exists()


def test_choosing_an_item_offers_only_the_offices_on_its_department_line(window_clerk, offices):
    page = client_for(window_clerk).get(f"/clerk/receive/?item={PROXY_ITEM}").content.decode()
    assert offices["dept_b"].code in page
    assert offices["dept_c"].code not in page
    assert offices["dept_a"].code not in page
