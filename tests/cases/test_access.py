"""Who sees which case, and how much of the applicant's personal data."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from cases.models import Case, RevealRecord
from tests.builders import act, register

from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def proxy_case(window_clerk, offices):
    return register(window_clerk, "proxy", offices)


def test_an_outsider_sees_nothing_of_a_case(proxy_case, outsider, other_applicant):
    for user in (outsider, other_applicant):
        client = client_for(user)
        assert client.get(f"/api/v1/cases/{proxy_case.number}/").status_code == 404
        assert client.get("/api/v1/cases/").json()["results"] == []
        reply = client.post(
            f"/api/v1/cases/{proxy_case.number}/actions/pass_formal_review/", {}, format="json"
        )
        assert reply.status_code == 404
    assert Case.objects.get(pk=proxy_case.pk).status == "received"


def test_anonymous_callers_get_401(proxy_case, api):
    assert api.get("/api/v1/cases/").status_code in (401, 403)
    assert api.get(f"/api/v1/cases/{proxy_case.number}/").status_code in (401, 403)


def test_the_handling_office_sees_a_proxy_case_only_once_it_is_transferred(
    proxy_case, window_clerk, handling_officer, supervisor_b
):
    officer, supervisor = client_for(handling_officer), client_for(supervisor_b)
    for action in ("pass_formal_review", "check_identity"):
        proxy_case = act(window_clerk, proxy_case, action)
        # Still at the window in 深圳: nothing of it exists for 成都 yet, its supervisor included.
        assert officer.get(f"/api/v1/cases/{proxy_case.number}/").status_code == 404
        assert officer.get("/api/v1/cases/").json()["results"] == []
        assert supervisor.get(f"/api/v1/cases/{proxy_case.number}/").status_code == 404
    act(window_clerk, proxy_case, "transfer")
    assert officer.get(f"/api/v1/cases/{proxy_case.number}/").status_code == 200
    assert supervisor.get(f"/api/v1/cases/{proxy_case.number}/").status_code == 200
    reply = officer.post(f"/api/v1/cases/{proxy_case.number}/actions/pass_formal_review/", {}, format="json")
    assert reply.status_code == 409  # a clerk's step, and long past


def test_a_clerk_of_the_receiving_office_cannot_sign_for_the_transfer(proxy_case, window_clerk):
    for action in ("pass_formal_review", "check_identity", "transfer"):
        proxy_case = act(window_clerk, proxy_case, action)
    reply = client_for(window_clerk).post(
        f"/api/v1/cases/{proxy_case.number}/actions/sign_for/", {}, format="json"
    )
    assert reply.status_code == 403
    assert "sign_for" in reply.json()["detail"]


def test_a_supervisor_sees_the_cases_touching_their_province(proxy_case, window_clerk, supervisor_b, offices):
    # The supervisor sits in 四川; the case is handled in 成都 once it is transferred there.
    for action in ("pass_formal_review", "check_identity", "transfer"):
        proxy_case = act(window_clerk, proxy_case, action)
    body = client_for(supervisor_b).get("/api/v1/cases/").json()
    assert [c["number"] for c in body["results"]] == [proxy_case.number]
    detail = client_for(supervisor_b).get(f"/api/v1/cases/{proxy_case.number}/").json()
    assert detail["allowed_actions"] == []
    assert detail["applicant"]["id_number"] == "110105********002X"  # supervisors see it masked


def test_an_admin_sees_every_case(proxy_case, db):
    admin = get_user_model().objects.create_superuser("root", password="pw-for-tests-1")
    assert client_for(admin).get(f"/api/v1/cases/{proxy_case.number}/").status_code == 200


@pytest.mark.parametrize(("is_staff", "status"), [(True, 200), (False, 404)])
def test_the_view_case_permission_makes_a_staff_account_an_admin_and_no_other(proxy_case, is_staff, status):
    user = get_user_model().objects.create_user("auditor", password="pw-for-tests-1", is_staff=is_staff)
    user.user_permissions.add(Permission.objects.get(codename="view_case", content_type__app_label="cases"))
    assert client_for(user).get(f"/api/v1/cases/{proxy_case.number}/").status_code == status


def test_personal_data_is_masked_in_lists_and_for_staff_until_they_reveal_it(proxy_case, window_clerk):
    clerk = client_for(window_clerk)
    listed = clerk.get("/api/v1/cases/").json()["results"][0]
    assert listed["applicant_name"] == "张**"
    assert "id_number" not in listed
    masked = clerk.get(f"/api/v1/cases/{proxy_case.number}/").json()
    assert masked["applicant"]["id_number"] == "110105********002X"
    assert (masked["personal_data_revealed"], masked["may_reveal"]) == (False, True)
    revealed = clerk.post(f"/api/v1/cases/{proxy_case.number}/reveal/").json()
    full = revealed["applicant"]
    assert (full["name"], full["id_number"], full["phone"]) == ("张三丰", "11010519491231002X", "13812345678")
    assert revealed["personal_data_revealed"] is True
    record = RevealRecord.objects.get()
    assert (record.case_number, record.username, record.office_name, record.what) == (
        proxy_case.number,
        "clerk_a",
        "深圳市南山区政务服务中心",
        "applicant",
    )


def test_the_applicant_sees_their_own_data_in_full_and_staff_names_masked(
    applicant, handling_officer, offices
):
    case = register(applicant, "online", offices)
    case = act(handling_officer, case, "accept")
    staff_view = client_for(handling_officer).get(f"/api/v1/cases/{case.number}/").json()
    assert staff_view["applicant"]["address"] == "四川省成都市****"
    assert staff_view["handoffs"] and staff_view["timeline"][-1]["actor_name"] == "officer_b"
    mine = client_for(applicant).get(f"/api/v1/cases/{case.number}/").json()
    assert mine["applicant"]["address"] == "四川省成都市锦江区红星路二段1号"
    assert mine["timeline"][-1]["actor_name"] == "o***"
    assert mine["handoffs"] == [] and mine["may_reveal"] is False
    assert not RevealRecord.objects.exists()


def test_the_case_list_runs_a_fixed_number_of_queries(window_clerk, offices, django_assert_max_num_queries):
    for _ in range(3):
        register(window_clerk, "proxy", offices)
    client = client_for(window_clerk)
    with django_assert_max_num_queries(4) as few:
        assert len(client.get("/api/v1/cases/", {"page_size": 1}).json()["results"]) == 1
    for _ in range(5):
        register(window_clerk, "proxy", offices)
    with django_assert_max_num_queries(len(few)):
        assert len(client.get("/api/v1/cases/", {"page_size": 8}).json()["results"]) == 8


def test_the_case_list_pages_with_a_cursor_and_filters(window_clerk, offices):
    numbers = [register(window_clerk, "proxy", offices).number for _ in range(3)]
    client = client_for(window_clerk)
    first = client.get("/api/v1/cases/", {"page_size": 2}).json()
    assert [c["number"] for c in first["results"]] == numbers[::-1][:2]
    second = client.get(first["next"]).json()
    assert [c["number"] for c in second["results"]] == [numbers[0]]
    assert (
        client.get("/api/v1/cases/", {"status": "received", "mode": "proxy", "region": "440000"}).json()[
            "results"
        ][0]["number"]
        == numbers[-1]
    )
    assert client.get("/api/v1/cases/", {"region": "330000"}).json()["results"] == []
    assert client.get("/api/v1/cases/", {"status": "flying"}).status_code == 400
    assert client.get("/api/v1/cases/", {"region": "44"}).status_code == 400
