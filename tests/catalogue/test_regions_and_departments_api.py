import pytest

pytestmark = pytest.mark.django_db


def test_departments_list_their_item_counts(api):
    departments = {d["code"]: d for d in api.get("/api/v1/departments/").json()}
    assert len(departments) == 22
    assert departments["MOHRSS"]["name"] == "人力资源社会保障部"
    assert departments["SPC"]["lead_count"] == 0 and departments["SPC"]["cooperating_count"] == 2


def test_regions_filter_by_level_and_parent(api):
    provinces = api.get("/api/v1/regions/", {"level": "province", "page_size": 50}).json()
    assert provinces["count"] == 34
    children = api.get("/api/v1/regions/", {"parent": "440000", "page_size": 50}).json()["results"]
    assert {"440100", "440300", "441900"} <= {r["code"] for r in children}
    assert all(r["parent"]["code"] == "440000" for r in children)


def test_regions_search_by_name(api):
    found = api.get("/api/v1/regions/", {"search": "仙桃"}).json()["results"]
    assert [(r["code"], r["parent"]["code"]) for r in found] == [("429004", "420000")]


def test_a_region_shows_its_children_and_source(api):
    body = api.get("/api/v1/regions/110000/").json()
    assert body["name"] == "北京市" and body["parent"] is None
    assert len(body["children"]) == 16
    assert body["children"][0] == {"code": "110101", "name": "东城区", "level": "county"}
    assert body["source"] and body["data_date"]


@pytest.mark.parametrize("params", [{"level": "village"}, {"parent": "999999"}, {"page_size": 0}])
def test_invalid_region_filters_are_400(api, params):
    assert api.get("/api/v1/regions/", params).status_code == 400


def test_an_unknown_region_is_404(api):
    assert api.get("/api/v1/regions/123456/").status_code == 404


def test_the_region_list_runs_a_fixed_number_of_queries(api, django_assert_num_queries):
    with django_assert_num_queries(2):
        assert api.get("/api/v1/regions/", {"page_size": 200}).status_code == 200


def test_regions_cannot_be_written_through_the_api(admin_api):
    assert admin_api.post("/api/v1/regions/", {"code": "123456"}, format="json").status_code == 405
