import pytest
from django.contrib.auth.models import Permission

from catalogue.models import ServiceItem
from tests.builders import set_status
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def codes(response):
    return [item["code"] for item in response.json()["results"]]


def test_the_list_is_paginated_with_count_next_and_previous(api):
    body = api.get("/api/v1/items/", {"page_size": 50, "page": 2}).json()
    assert body["count"] == 140
    assert len(body["results"]) == 50
    assert "page=3" in body["next"] and "page_size=50" in body["next"]
    assert body["previous"] is not None
    assert body["results"][0]["code"] == "KS-1-051"


def test_a_result_has_the_fields_clients_rely_on(api):
    item = api.get("/api/v1/items/", {"page_size": 1}).json()["results"][0]
    assert {
        "code",
        "batch",
        "seq",
        "name",
        "scenario",
        "lead_department",
        "cooperating_departments",
        "deadline",
        "modes",
        "audience",
        "statutory_days",
        "promised_days",
        "status",
    } <= set(item)
    assert item["lead_department"] == {"code": "MOJ", "name": "司法部"}
    assert item["cooperating_departments"] == [{"code": "MOE", "name": "教育部"}]
    assert item["deadline"] == ""
    assert item["modes"] == ["online", "proxy"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"batch": 3}, 8),
        ({"lead_department": "MCA"}, 5),  # 孤儿救助, 事实无人抚养, 残疾人补贴, 结婚, 离婚
        ({"mode": "joint"}, 15),
        ({"q": "户口迁移"}, 5),
        ({"q": "残疾人证 换领"}, 1),
    ],
)
def test_filters_narrow_the_list(api, params, expected):
    assert api.get("/api/v1/items/", params).json()["count"] == expected


def test_the_department_filter_finds_items_it_leads_or_cooperates_on(api):
    found = codes(api.get("/api/v1/items/", {"department": "SPC", "page_size": 200}))
    assert found == ["KS-1-022", "KS-2-028"]
    led = api.get("/api/v1/items/", {"department": "MOJ"}).json()["count"]
    assert led > api.get("/api/v1/items/", {"lead_department": "MOJ"}).json()["count"]


def test_the_audience_filter_includes_items_for_both(api):
    organisations = set(codes(api.get("/api/v1/items/", {"audience": "organisation", "page_size": 200})))
    assert "KS-1-031" in organisations  # 内资企业设立登记
    assert "KS-1-023" in organisations  # 不动产抵押登记, for persons and organisations
    assert "KS-1-001" not in organisations


def test_ordering_by_name_descending(api):
    names = [
        item["name"]
        for item in api.get("/api/v1/items/", {"ordering": "-name", "page_size": 200}).json()["results"]
    ]
    assert names == sorted(names, reverse=True)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"batch": 4}, "batch"),
        ({"lead_department": "NOPE"}, "lead_department"),
        ({"department": "X"}, "department"),
        ({"mode": "fax"}, "mode"),
        ({"audience": "robots"}, "audience"),
        ({"ordering": "password"}, "ordering"),
        ({"page_size": 201}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
    ],
)
def test_an_invalid_filter_is_a_400_naming_the_field(api, params, field):
    response = api.get("/api/v1/items/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_an_unknown_item_code_is_a_404(api):
    assert api.get("/api/v1/items/KS-9-999/").status_code == 404
    assert api.get("/api/v1/items/<script>/").status_code == 404


def test_anonymous_clients_see_published_items_only(api, admin_api):
    set_status("KS-1-001", ServiceItem.Status.DRAFT)
    set_status("KS-1-002", ServiceItem.Status.RETIRED)
    assert api.get("/api/v1/items/").json()["count"] == 138
    assert api.get("/api/v1/items/KS-1-001/").status_code == 404
    assert admin_api.get("/api/v1/items/").json()["count"] == 140
    assert admin_api.get("/api/v1/items/", {"status": "draft"}).json()["count"] == 1


def test_the_guide_has_materials_and_limits_only_where_they_are_known(api):
    item = api.get("/api/v1/items/KS-1-031/").json()
    assert item["audience"] == "organisation"
    assert item["materials"] == []  # no generated list: the handling region's applies
    assert item["statutory_days"] is None and item["effective_statutory_days"] is None
    assert item["delivery_options"] == [] and item["fees"] is None
    assert item["legal_basis"] == "《中华人民共和国市场主体登记管理条例》第二条、第三条"
    item = api.get("/api/v1/items/KS-3-003/").json()
    assert [m["name"] for m in item["materials"]][0] == "本人的居民身份证"
    assert (item["statutory_days"], item["effective_promised_days"], item["on_the_spot"]) == (0, 0, True)
    assert item["delivery_options"] == ["window"] and item["item_type"] == "confirmation"


def test_an_anonymous_change_is_asked_for_credentials(api):
    response = api.patch("/api/v1/items/KS-1-001/", {"fees": "不收费"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert ServiceItem.objects.get(code="KS-1-001").fees == ""


def test_an_applicant_cannot_change_an_item(api, applicant):
    api.force_authenticate(applicant)
    assert api.patch("/api/v1/items/KS-1-001/", {"fees": "不收费"}, format="json").status_code == 403
    assert api.post("/api/v1/items/", {}, format="json").status_code in (403, 405)
    assert ServiceItem.objects.get(code="KS-1-001").fees == ""


def test_a_staff_account_without_permissions_cannot_unpublish_an_item(api):
    api.force_authenticate(make_user("bare_staff", is_staff=True))
    response = api.patch("/api/v1/items/KS-1-001/", {"status": "retired"}, format="json")
    assert response.status_code == 403
    assert ServiceItem.objects.get(code="KS-1-001").status == ServiceItem.Status.PUBLISHED


def test_the_permission_to_change_items_is_enough_without_the_catalogue_admin_role(api):
    editor = make_user("editor", is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="change_serviceitem"))
    api.force_authenticate(editor)
    response = api.patch("/api/v1/items/KS-1-001/", {"fees": "不收费"}, format="json")
    assert response.status_code == 200, response.content
    assert ServiceItem.objects.get(code="KS-1-001").fees == "不收费"


def test_staff_change_an_item_and_the_history_records_who(admin_api, admin_user):
    response = admin_api.patch(
        "/api/v1/items/KS-1-001/",
        {"statutory_days": 15, "promised_days": 10, "modes": ["online"], "fees": "按公证收费标准"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["modes"] == ["online"]
    item = ServiceItem.objects.get(code="KS-1-001")
    assert (item.statutory_days, item.promised_days, item.supports_proxy) == (15, 10, False)
    assert item.history.first().history_user == admin_user


def test_a_promised_limit_above_the_statutory_one_is_refused_and_nothing_is_written(admin_api):
    before = ServiceItem.objects.get(code="KS-1-001")
    response = admin_api.patch(
        "/api/v1/items/KS-1-001/", {"statutory_days": 10, "promised_days": 12, "fees": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "promised_days" in response.json()
    item = ServiceItem.objects.get(code="KS-1-001")
    assert (item.statutory_days, item.fees, item.history.count()) == (15, "", before.history.count())
    assert before.statutory_days == 15  # 《公证法》第三十条: 十五个工作日


def test_an_item_needs_at_least_one_mode(admin_api):
    response = admin_api.patch("/api/v1/items/KS-1-001/", {"modes": []}, format="json")
    assert response.status_code == 400 and "modes" in response.json()


def test_the_list_answers_304_to_its_own_etag_until_an_item_changes(api, admin_api):
    first = api.get("/api/v1/items/", {"batch": 1})
    etag = first["ETag"]
    assert api.get("/api/v1/items/", {"batch": 1}, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api.get("/api/v1/items/", {"batch": 2}, HTTP_IF_NONE_MATCH=etag).status_code == 200
    admin_api.patch("/api/v1/items/KS-2-001/", {"fees": "不收费"}, format="json")
    assert api.get("/api/v1/items/", {"batch": 1}, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_detail_answers_304_to_its_own_etag(api):
    etag = api.get("/api/v1/items/KS-1-001/")["ETag"]
    assert api.get("/api/v1/items/KS-1-001/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api.get("/api/v1/items/KS-1-002/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_staff_and_anonymous_get_different_etags(api, admin_api):
    assert api.get("/api/v1/items/")["ETag"] != admin_api.get("/api/v1/items/")["ETag"]


@pytest.mark.parametrize("page_size", [1, 20, 200])
def test_the_list_runs_a_fixed_number_of_queries_whatever_the_page_size(
    api, page_size, django_assert_num_queries
):
    # count (1), page (1), cooperating departments (1); the ETag comes from the catalogue version.
    with django_assert_num_queries(3):
        assert api.get("/api/v1/items/", {"page_size": page_size}).status_code == 200


@pytest.mark.parametrize("page_size", [1, 200])
def test_a_filtered_list_for_staff_adds_only_the_filters_own_lookup(
    admin_api, page_size, django_assert_num_queries
):
    with django_assert_num_queries(4):  # + resolving the department code
        response = admin_api.get("/api/v1/items/", {"page_size": page_size, "department": "MPS"})
        assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 0}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "²"}, "page"),
        ({"page": 8}, "page"),  # 140 items, 20 a page: the last is 7
        ({"page": "9" * 5000}, "page"),
        ({"page_size": "²"}, "page_size"),
        ({"page_size": "9" * 5000}, "page_size"),
    ],
)
def test_a_page_that_is_not_there_is_a_400_naming_the_parameter(api, params, field):
    response = api.get("/api/v1/items/", params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize("value", ["banana", "2", "yes"])
def test_an_unreadable_boolean_filter_is_a_400_naming_it(api, value):
    response = api.get("/api/v1/regions/", {"current": value})
    assert response.status_code == 400 and "current" in response.json()


def test_the_schema_says_pages_start_at_one(api):
    operation = api.get("/api/schema/", {"format": "json"}).json()["paths"]["/api/v1/items/"]["get"]
    schemas = {parameter["name"]: parameter["schema"] for parameter in operation["parameters"]}
    assert schemas["page"]["minimum"] == 1
    assert (schemas["page_size"]["minimum"], schemas["page_size"]["maximum"]) == (1, 200)
