"""Catalogue answers stored under the catalogue version (catalogue/cache.py, catalogue/middleware.py).

A stored answer is the full path's answer, byte for byte; a hit runs no query; every door a
catalogue write comes through makes the next read (in this process or another) see it; a logged-in
reader never gets an anonymous page.
"""

import io
import json
import os
import subprocess
import sys
import urllib.request
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.test import Client
from knox.models import AuthToken

from cases import roles
from catalogue import cache as catalogue_cache
from catalogue import services
from catalogue.models import Region, RegionGuide, SearchSynonym, ServiceItem, ServiceWindow
from tests.cases.workers import ROOT, database_url, free_port, wait_for
from tests.catalogue.conftest import change_form_data
from tests.catalogue.test_import_export import CSV, confirm, csv_bytes, csv_rows, export, preview
from tests.conftest import make_user

CACHED_URLS = [
    "/api/v1/items/?page_size=200",
    "/api/v1/items/",
    "/api/v1/items/?q=社保卡",
    "/api/v1/items/KS-1-005/",
    "/api/v1/items/KS-1-005/guides/",
    "/api/v1/departments/",
    "/api/v1/regions/?level=province",
    "/api/v1/windows/",
    "/",
    "/items/",
    "/items/?q=社保卡&page=1",
    "/items/KS-1-005/",
    "/items/KS-1-005/?region=440305",
    "/windows/",
]
LANGUAGES = {"zh-hans": {}, "en": {"HTTP_ACCEPT_LANGUAGE": "en"}}


def answer(response) -> tuple:
    """What a client receives: status, every header, body."""
    return response.status_code, dict(response.headers), response.content


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("url", CACHED_URLS)
def test_a_stored_answer_is_the_uncached_answer_byte_for_byte(
    url, language, settings, django_assert_num_queries
):
    headers = LANGUAGES[language]
    settings.CATALOGUE_CACHE = False
    uncached = answer(Client().get(url, **headers))
    settings.CATALOGUE_CACHE = True
    first = answer(Client().get(url, **headers))  # rendered, and stored
    with django_assert_num_queries(0):
        hit = answer(Client().get(url, **headers))
    assert uncached[0] == 200
    assert uncached == first == hit
    assert hit[1]["Content-Language"] == language
    assert "Set-Cookie" not in hit[1]


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("url", ["/api/v1/items/?page_size=200", "/api/v1/items/KS-1-005/"])
def test_a_304_from_the_store_is_the_uncached_304_and_runs_no_query(
    url, language, settings, django_assert_num_queries
):
    headers = LANGUAGES[language]
    etag = Client().get(url, **headers)["ETag"]
    settings.CATALOGUE_CACHE = False
    uncached = answer(Client().get(url, HTTP_IF_NONE_MATCH=etag, **headers))
    settings.CATALOGUE_CACHE = True
    with django_assert_num_queries(0):
        hit = answer(Client().get(url, HTTP_IF_NONE_MATCH=etag, **headers))
    assert uncached[0] == 304
    assert uncached == hit


@pytest.mark.django_db
def test_the_etag_comes_from_the_catalogue_version_without_a_query(settings, django_assert_num_queries):
    settings.CATALOGUE_CACHE = False  # the full path: the view answers 304 before loading anything
    etag = Client().get("/api/v1/items/")["ETag"]
    with django_assert_num_queries(0):
        assert Client().get("/api/v1/items/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    catalogue_cache.bump()
    assert Client().get("/api/v1/items/", HTTP_IF_NONE_MATCH=etag).status_code == 200


@pytest.mark.django_db
def test_staff_get_their_own_etag_and_never_the_anonymous_answer(admin_api):
    ServiceItem.objects.filter(code="KS-1-005").update(status=ServiceItem.Status.DRAFT)
    catalogue_cache.bump()  # update() sends no signal: who writes so says it
    anonymous = Client().get("/api/v1/items/")
    Client().get("/api/v1/items/")  # stored
    staff = admin_api.get("/api/v1/items/")
    assert (anonymous.json()["count"], staff.json()["count"]) == (139, 140)
    assert anonymous["ETag"] != staff["ETag"]
    assert admin_api.get("/api/v1/items/", HTTP_IF_NONE_MATCH=anonymous["ETag"]).status_code == 200


@pytest.mark.django_db
def test_a_logged_in_reader_never_gets_the_anonymous_page(admin_user):
    for _ in range(2):
        anonymous = Client().get("/items/KS-1-005/").content.decode()
    assert "catalogue_admin" not in anonymous
    client = Client()
    client.force_login(admin_user)
    page = client.get("/items/KS-1-005/").content.decode()
    assert "catalogue_admin" in page  # the header names the reader
    again = Client().get("/items/KS-1-005/")
    assert "catalogue_admin" not in again.content.decode() and again.cookies == {}


@pytest.mark.django_db
def test_a_token_client_is_not_answered_from_the_anonymous_store(admin_user):
    ServiceItem.objects.filter(code="KS-1-005").update(status=ServiceItem.Status.DRAFT)
    catalogue_cache.bump()
    for _ in range(2):
        assert Client().get("/api/v1/items/KS-1-005/").status_code == 404  # not stored: a 404
        assert Client().get("/api/v1/items/").json()["count"] == 139
    _token, key = AuthToken.objects.create(admin_user)
    response = Client().get("/api/v1/items/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.json()["count"] == 140


@pytest.mark.django_db
def test_only_catalogue_reads_are_stored(monkeypatch):
    stored = []
    monkeypatch.setattr(catalogue_cache, "store_answer", lambda key, *answer: stored.append(key))
    for url in ["/track/", "/login/", "/api/v1/offices/", "/api/schema/", "/i18n/setlang/"]:
        Client().get(url)
    assert stored == []
    Client().get("/items/")
    assert len(stored) == 1


# --- A write through each door is seen by the next read -----------------------------------------


def fees_shown(url: str = "/api/v1/items/KS-1-005/") -> str:
    return Client().get(url).json()["fees"]


def warm(*urls: str) -> None:
    for url in urls:
        Client().get(url)
        Client().get(url)


@pytest.mark.django_db
def test_an_admin_change_is_seen_on_the_next_read(admin_client):
    warm("/api/v1/items/KS-1-005/", "/items/KS-1-005/")
    item = ServiceItem.objects.get(code="KS-1-005")
    data = change_form_data(admin_client.get(f"/admin/catalogue/serviceitem/{item.pk}/change/"))
    data.update({"fees": "改后的收费标准（管理后台）"})
    assert admin_client.post(f"/admin/catalogue/serviceitem/{item.pk}/change/", data).status_code == 302
    assert fees_shown() == "改后的收费标准（管理后台）"
    assert "改后的收费标准（管理后台）" in Client().get("/items/KS-1-005/").content.decode()


@pytest.mark.django_db
def test_an_api_patch_is_seen_on_the_next_read(admin_api):
    warm("/api/v1/items/KS-1-005/", "/api/v1/items/?page_size=200")
    response = admin_api.patch("/api/v1/items/KS-1-005/", {"fees": "改后（API）"}, format="json")
    assert response.status_code == 200
    assert fees_shown() == "改后（API）"


@pytest.mark.django_db
def test_an_import_is_seen_on_the_next_read(admin_client):
    warm("/api/v1/items/KS-1-005/")
    rows = csv_rows(export(admin_client, CSV).content)
    for row in rows:
        if row["事项代码"] == "KS-1-005":
            row["收费标准"] = "改后（导入）"
    confirm(admin_client, preview(admin_client, csv_bytes(rows), "items.csv"))
    assert fees_shown() == "改后（导入）"


@pytest.mark.django_db
def test_a_region_guide_change_is_seen_on_the_next_read():
    url = "/api/v1/items/KS-1-005/guides/?region=440305"
    warm(url, "/items/KS-1-005/?region=440305")
    guide = RegionGuide.objects.create(
        item=ServiceItem.objects.get(code="KS-1-005"),
        region=Region.objects.get(code="440300"),
        status=ServiceItem.Status.PUBLISHED,
        fees="深圳的收费标准",
    )
    assert [g["fees"] for g in Client().get(url).json()] == ["深圳的收费标准"]
    guide.fees = "深圳改后的收费标准"
    guide.save()
    assert "深圳改后的收费标准" in Client().get("/items/KS-1-005/?region=440305").content.decode()
    window = ServiceWindow.objects.create(
        name="测试专窗", region_id="440305", address="某路1号", hours="9-17"
    )
    warm("/api/v1/windows/?region=440305")
    guide.windows.add(window)  # a many-to-many change only
    listed = Client().get("/api/v1/windows/?region=440305").json()["results"]
    assert [w["items"] for w in listed if w["name"] == "测试专窗"] == [["KS-1-005"]]


@pytest.mark.django_db
def test_a_synonym_change_is_seen_by_the_next_search():
    url = "/api/v1/items/?q=测试同义词"
    warm(url)
    assert Client().get(url).json()["count"] == 0
    SearchSynonym.objects.create(term="测试同义词", expansions="社会保障卡")
    assert Client().get(url).json()["count"] > 0


@pytest.mark.django_db
def test_a_write_that_sends_no_signal_is_seen_once_its_writer_bumps_the_version():
    warm("/api/v1/items/KS-1-005/")
    ServiceItem.objects.filter(code="KS-1-005").update(fees="改后（批量）")
    catalogue_cache.bump()
    assert fees_shown() == "改后（批量）"


# --- Another process ------------------------------------------------------------------------------


def fetch(url: str, **headers) -> dict:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
        return json.loads(response.read())


@contextmanager
def web_server(log_path):
    """gunicorn with 2 workers on the test database, with this process' cache settings."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "kuasheng.settings"}
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "kuasheng.wsgi:application",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{base}/api/v1/departments/"), 60, "gunicorn", log_path)
        yield base
    finally:
        process.terminate()
        process.wait(20)


def _answers(url: str) -> bool:
    try:
        fetch(url)
        return True
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
def test_a_catalogue_write_is_seen_on_the_next_read_in_another_process_and_back(
    reference_committed, tmp_path
):
    with web_server(tmp_path / "gunicorn.log") as base:
        url = f"{base}/api/v1/items/KS-1-005/"
        for _ in range(8):  # both workers answer, and store it
            assert fetch(url)["fees"] != "改后（本进程）"
        services.update_item(code="KS-1-005", data={"fees": "改后（本进程）"}, actor=None)
        assert all(fetch(url)["fees"] == "改后（本进程）" for _ in range(8))

        # The other way: the server writes, this process reads.
        warm("/api/v1/items/KS-1-006/")
        user = make_user("catalogue_admin", roles.CATALOGUE_ADMIN, is_staff=True)
        _token, key = AuthToken.objects.create(user)
        request = urllib.request.Request(
            f"{base}/api/v1/items/KS-1-006/",
            data=json.dumps({"fees": "改后（服务器）"}).encode(),
            method="PATCH",
            headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        assert fees_shown("/api/v1/items/KS-1-006/") == "改后（服务器）"


@pytest.mark.django_db
def test_the_region_refresh_which_writes_in_bulk_bumps_the_version_when_it_changes_a_region():
    Region.objects.filter(code="440300").update(name="旧名")  # update() sends no signal
    unchanged = catalogue_cache.current_version()
    call_command("import_regions", stdout=io.StringIO())  # puts 深圳市 back, in bulk
    assert Region.objects.get(code="440300").name == "深圳市"
    corrected = catalogue_cache.current_version()
    assert corrected != unchanged
    call_command("import_regions", stdout=io.StringIO())  # nothing to change: nothing to retire
    assert catalogue_cache.current_version() == corrected


@pytest.mark.django_db
def test_a_write_bumps_the_version_again_when_its_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        before = catalogue_cache.current_version()
        SearchSynonym.objects.create(term="测试同义词", expansions="社会保障卡")
        during = catalogue_cache.current_version()
    after = catalogue_cache.current_version()  # one write, and its transaction committed
    assert len({before, during, after}) == 3


@pytest.mark.django_db
def test_an_answer_to_a_made_up_query_parameter_is_not_stored(monkeypatch):
    stored = []
    monkeypatch.setattr(catalogue_cache, "store_answer", lambda key, *answer: stored.append(key))
    assert Client().get("/api/v1/items/?made_up=1").status_code == 200
    assert Client().get("/items/?made_up=1").status_code == 200
    assert stored == []
    Client().get("/api/v1/items/?page_size=5&mode=online&ordering=code")
    assert len(stored) == 1


@pytest.mark.django_db
def test_a_head_request_is_answered_from_the_stored_get(settings, django_assert_num_queries):
    settings.CATALOGUE_CACHE = False
    uncached = Client().head("/items/KS-1-005/")
    settings.CATALOGUE_CACHE = True
    Client().get("/items/KS-1-005/")
    with django_assert_num_queries(0):
        hit = Client().head("/items/KS-1-005/")
    assert (hit.status_code, dict(hit.headers), hit.content) == (200, dict(uncached.headers), b"")


@pytest.mark.django_db
def test_without_its_redis_the_catalogue_is_read_and_written_uncached(settings, admin_api):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    for _ in range(2):
        response = Client().get("/api/v1/items/KS-1-005/")
        assert response.status_code == 200 and response.json()["fees"] != "改后（无缓存）"
    patched = admin_api.patch("/api/v1/items/KS-1-005/", {"fees": "改后（无缓存）"}, format="json")
    assert patched.status_code == 200
    assert fees_shown() == "改后（无缓存）"
    assert Client().get("/api/v1/items/KS-1-005/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/items/?page_size=200", "/api/v1/items/KS-1-005/"])
def test_staff_get_kept_json_of_their_class_byte_for_byte(
    url, admin_api, settings, django_assert_num_queries
):
    ServiceItem.objects.filter(code="KS-1-005").update(status=ServiceItem.Status.DRAFT)
    catalogue_cache.bump()
    settings.CATALOGUE_CACHE = False
    uncached = answer(admin_api.get(url))
    settings.CATALOGUE_CACHE = True
    first = answer(admin_api.get(url))
    with django_assert_num_queries(0):  # force_authenticate: no session or token to look up
        kept = answer(admin_api.get(url))
    assert uncached[0] == 200 and uncached == first == kept
    assert b"KS-1-005" in kept[2]  # a draft: staff see it, the anonymous answer has not
    assert b"KS-1-005" not in Client().get("/api/v1/items/?page_size=200").content


@pytest.mark.django_db
def test_made_up_accept_headers_are_answered_but_never_stored(monkeypatch):
    stored = []
    original = catalogue_cache.store_answer
    monkeypatch.setattr(
        catalogue_cache, "store_answer", lambda key, *answer: stored.append(key) or original(key, *answer)
    )
    for accept in ("application/json, x/a1", "application/json, x/a2", "text/plain, text/html"):
        assert Client().get("/api/v1/items/KS-1-005/", HTTP_ACCEPT=accept).status_code in (200, 406)
    assert stored == []
    # The two classes every client sends are stored once each, whatever their exact spelling.
    for accept in ("application/json", "*/*", "application/json, text/plain, */*", ""):
        assert Client().get("/api/v1/items/KS-1-005/", HTTP_ACCEPT=accept).status_code == 200
    assert len(set(stored)) == 1
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = Client().get("/api/v1/items/KS-1-005/", HTTP_ACCEPT=browser)
    # Not the stored JSON: the browsable API (which carries a CSRF token, so it is never stored).
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_json_client_is_never_given_the_browsable_page_nor_a_browser_the_json():
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for _ in range(2):  # the second of each is a hit
        assert Client().get("/api/v1/items/", HTTP_ACCEPT="application/json")["Content-Type"] == (
            "application/json"
        )
        assert Client().get("/api/v1/items/", HTTP_ACCEPT=browser)["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_process_whose_first_request_is_conditional_stores_the_answer_and_then_answers_304_without_queries(
    django_assert_num_queries, monkeypatch
):
    url = "/api/v1/items/?page_size=200"
    etag = Client().get(url)["ETag"]
    stored, looked_up = catalogue_cache.stored_answer, []

    def nothing_stored_the_first_time(key):  # as in a new process with an empty cache
        looked_up.append(key)
        return None if len(looked_up) == 1 else stored(key)

    monkeypatch.setattr(catalogue_cache, "stored_answer", nothing_stored_the_first_time)
    first = Client().get(url, HTTP_IF_NONE_MATCH=etag)
    assert first.status_code == 304 and first.content == b""
    with django_assert_num_queries(0):
        assert Client().get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
