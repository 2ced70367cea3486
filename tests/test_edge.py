"""What every request passes before a view reads it: NUL characters, deep or large bodies, long
texts, unparsable filter values and unknown URLs answer 400/404/413, in JSON on the API.

These run on PostgreSQL in CI: it refuses NUL characters and over-long texts that SQLite stores.
"""

import json

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases import roles
from cases.models import Material
from tests.builders import case_payload, register
from tests.cases.conftest import (
    client_for,
    office,
    staff,
    tasks_in_process,  # noqa: F401 (autouse: handoffs run in-process)
)

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def clean_throttles():
    cache.clear()


@pytest.fixture
def offices(db):
    return {
        "hall_a": office("gd-nanshan-hall", "深圳市南山区政务服务中心", "hall", "440305"),
        "dept_b": office("sc-jinjiang-mps", "成都市公安局锦江区分局", "department", "510104", "MPS"),
    }


@pytest.fixture
def handling_officer(offices):
    return staff("officer_b", offices["dept_b"], roles.HANDLING_OFFICER)


@pytest.fixture
def online_case(applicant, offices):
    return register(applicant, "online", offices)


def refused_in_json(response, status=400) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()["detail"]


# --- NUL characters, wherever they come in ---------------------------------------------------


def test_a_nul_in_the_query_string_is_refused_before_the_database_sees_it(api):
    detail = refused_in_json(api.get("/api/v1/track/?number=%00&id_tail=1234"))
    assert "number" in detail


def test_a_nul_in_a_case_filter_is_refused(handling_officer):
    assert client_for(handling_officer).get("/api/v1/cases/?due_soon=%00").status_code == 400
    assert client_for(handling_officer).get("/api/v1/cases/?item=%00").status_code == 400


def test_a_nul_in_the_path_is_refused(api, client):
    refused_in_json(api.get("/api/v1/offices/%00/"))
    page = client.get("/items/%00/")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/plain")


def test_a_nul_in_the_authorization_header_is_refused(api):
    detail = refused_in_json(api.get("/api/v1/notifications/", HTTP_AUTHORIZATION="Token abc\x00def"))
    assert "Authorization" in detail


def test_a_stray_byte_in_the_authorization_header_is_refused_not_a_500(api):
    detail = refused_in_json(api.get("/api/v1/notifications/", HTTP_AUTHORIZATION="Token \xff\xfe"))
    assert "Authorization" in detail


def test_an_if_match_that_is_not_an_ascii_version_is_a_400(online_case, handling_officer):
    for version in ("²", "9" * 5000):
        reply = client_for(handling_officer).post(
            f"/api/v1/cases/{online_case.number}/actions/accept/", {}, format="json", HTTP_IF_MATCH=version
        )
        assert reply.status_code == 400 and "If-Match" in str(reply.json())


def test_a_cursor_that_is_not_ours_is_a_400_naming_cursor(handling_officer):
    reply = client_for(handling_officer).get("/api/v1/cases/", {"cursor": "6\x91I-not-a-cursor"})
    assert reply.status_code == 400 and "cursor" in reply.json()


def test_a_patch_of_one_field_leaves_the_others_as_they_are(admin_api):
    reply = admin_api.patch("/api/v1/items/KS-1-001/", {"fees": "不收费"}, format="multipart")
    assert reply.status_code == 200, reply.content
    assert reply.json()["fees"] == "不收费" and reply.json()["modes"]


def test_a_nul_in_the_session_cookie_is_refused(client):
    client.cookies["sessionid"] = "abc\x00def"
    detail = refused_in_json(client.get("/api/v1/notifications/"))
    assert "sessionid" in detail
    assert client.get("/admin/").status_code == 400


def test_a_nul_in_the_idempotency_key_is_refused(applicant, offices):
    reply = client_for(applicant).post(
        "/api/v1/cases/", case_payload("online", offices), format="json", HTTP_IDEMPOTENCY_KEY="k\x00"
    )
    assert "Idempotency-Key" in refused_in_json(reply)


def test_a_nul_in_a_json_body_is_refused_naming_the_field(applicant, offices):
    payload = case_payload("online", offices, item="KS-2-001\u0000")
    detail = refused_in_json(client_for(applicant).post("/api/v1/cases/", payload, format="json"))
    assert "item" in detail


def test_an_unpaired_surrogate_in_a_json_body_is_refused(applicant, offices):
    body = json.dumps(case_payload("online", offices, note="\ud800"))
    reply = client_for(applicant).post("/api/v1/cases/", body, content_type="application/json")
    assert "note" in refused_in_json(reply)


def test_a_nul_in_a_form_body_is_refused(online_case, applicant):
    reply = client_for(applicant).post(
        f"/api/v1/cases/{online_case.number}/materials/",
        {"file": SimpleUploadedFile("id.pdf", PDF), "name": "身份证\x00"},
        format="multipart",
    )
    assert "name" in refused_in_json(reply)
    login = Client().post("/admin/login/", {"username": "a\x00", "password": "x"})
    assert login.status_code == 400


def test_a_multipart_patch_is_checked_too_and_still_applies_when_clean(admin_api):
    refused = admin_api.patch("/api/v1/items/KS-1-001/", {"fees": "不收费\x00"}, format="multipart")
    assert "fees" in refused_in_json(refused)
    clean = {"fees": "不收费", "modes": ["online"], "delivery_options": ["online"]}
    applied = admin_api.patch("/api/v1/items/KS-1-001/", clean, format="multipart")
    assert applied.status_code == 200, applied.content
    assert applied.json()["fees"] == "不收费"


# --- Deep and large bodies -------------------------------------------------------------------

DEEP = "[" * 1500 + "]" * 1500


def test_deeply_nested_json_is_refused_on_the_token_endpoint(api):
    detail = refused_in_json(api.post("/api/v1/auth/token/", DEEP, content_type="application/json"))
    assert "32" in detail  # the limit, REQUEST_JSON_MAX_DEPTH


def test_deeply_nested_json_is_refused_on_case_creation_and_actions(online_case, handling_officer):
    officer = client_for(handling_officer)
    refused_in_json(officer.post("/api/v1/cases/", DEEP, content_type="application/json"))
    nested = json.dumps({"note": json.loads("[" * 40 + "]" * 40)})
    action = f"/api/v1/cases/{online_case.number}/actions/accept/"
    refused_in_json(officer.post(action, nested, content_type="application/json"))


def test_nesting_within_the_limit_and_brackets_inside_strings_are_fine(api):
    body = json.dumps({"username": "[[[[" * 100, "password": [[["x"]]]})
    assert api.post("/api/v1/auth/token/", body, content_type="application/json").status_code == 400


def test_a_body_over_the_upload_limit_is_a_413_in_json(applicant, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"note": "x" * 2000})
    reply = client_for(applicant).post("/api/v1/cases/", body, content_type="application/json")
    refused_in_json(reply, 413)


# --- Texts longer than their column ----------------------------------------------------------


def test_a_long_file_name_is_shortened_for_the_material_name(online_case, applicant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    long_name = "关于申请办理户籍类证明所需提交材料的扫描件" * 12 + ".pdf"  # 244 characters
    reply = client_for(applicant).post(
        f"/api/v1/cases/{online_case.number}/materials/",
        {"file": SimpleUploadedFile(long_name, PDF)},
        format="multipart",
    )
    assert reply.status_code == 200, reply.content
    material = Material.objects.get(case=online_case)
    assert len(material.name) <= 200 and material.name.endswith("….pdf")
    assert material.name.startswith("关于申请办理户籍类证明")
    assert len(material.file.name) < 100


@pytest.mark.parametrize("path", ["/admin/login/", "/api/v1/auth/token/"])
def test_a_username_longer_than_any_user_has_is_recorded_shortened(path):
    reply = Client().post(path, {"username": "u" * 300, "password": "guess"})
    assert reply.status_code in (200, 400)  # the admin shows its form again; the API names the error
    assert all(len(attempt.username or "") <= 150 for attempt in AccessAttempt.objects.all())


# --- Filters, pages and URLs -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [("overdue=banana", "overdue"), ("due_soon=maybe", "due_soon"), ("sign_overdue=2", "sign_overdue")],
)
def test_a_boolean_filter_refuses_a_value_it_cannot_read(handling_officer, query, field):
    reply = client_for(handling_officer).get(f"/api/v1/cases/?{query}")
    assert reply.status_code == 400 and field in reply.json()


def test_the_region_filter_takes_ascii_digits_only(handling_officer):
    reply = client_for(handling_officer).get("/api/v1/cases/?region=１１０１０５")  # full-width digits
    assert reply.status_code == 400 and "region" in reply.json()


@pytest.mark.parametrize("value", ["true", "false", "1", "0", "True"])
def test_a_boolean_filter_reads_true_false_one_and_zero(handling_officer, value):
    assert client_for(handling_officer).get(f"/api/v1/cases/?overdue={value}").status_code == 200


def test_the_region_filter_refuses_an_unreadable_boolean(api):
    assert "current" in api.get("/api/v1/regions/?current=yes-please").json()
    assert api.get("/api/v1/regions/?current=false").json()["count"] == 0


@pytest.mark.parametrize("page", ["0", "-1", "abc", "999"])
def test_a_page_that_does_not_exist_is_a_400_in_json_naming_page(api, page):
    reply = api.get(f"/api/v1/items/?page={page}")
    assert reply.status_code == 400 and "page" in reply.json()


def test_the_last_page_can_be_asked_for_by_number(api):
    assert api.get("/api/v1/items/?page=7").json()["results"][-1]["code"] == "KS-3-008"


@pytest.mark.parametrize("path", ["/api/v1/cases/abc%20def/", "/api/v1/nothing-here/", "/api/v1/regions/12/"])
def test_an_unknown_api_url_is_a_404_in_json(handling_officer, path):
    refused_in_json(client_for(handling_officer).get(path), 404)


def test_an_unknown_page_is_still_an_html_404(client):
    reply = client.get("/no-such-page/")
    assert reply.status_code == 404 and reply["Content-Type"].startswith("text/html")


def test_fields_that_can_be_null_are_declared_nullable(api):
    schemas = api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]
    assert schemas["Region"]["properties"]["parent"].get("nullable") is True
    assert schemas["Office"]["properties"]["department"].get("nullable") is True
    province = api.get("/api/v1/regions/", {"level": "province"}).json()["results"][0]
    assert province["parent"] is None
