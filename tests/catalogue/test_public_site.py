"""The public site in production: static files without a manual step, pages a cache may keep,
the government-site footer, and the site's own 404 and 500 pages (docs/deploy.md)."""

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template.loader import get_template
from django.test import Client, override_settings
from django.urls import path

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/items/", "/items/KS-1-001/", "/items/?q=社保卡&mode=online", "/items/?q=护照"]


def production(static_root):
    """DEBUG off with the storage production uses, and nothing collected in STATIC_ROOT (yet)."""
    return override_settings(
        DEBUG=False,
        STATIC_ROOT=static_root,
        STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": settings.PRODUCTION_STATIC_STORAGE}},
    )


def test_production_serves_pages_and_static_files_before_collectstatic(tmp_path):
    with production(tmp_path):
        client = Client()  # a new client: its handler builds WhiteNoise with these settings
        page = client.get("/items/")
        assert page.status_code == 200
        assert '<link rel="stylesheet" href="/static/css/site.css">' in page.content.decode()
        css = client.get("/static/css/site.css")
        assert css.status_code == 200 and css["Content-Type"].startswith("text/css")
        assert b"--brand" in b"".join(css.streaming_content)
        assert client.get("/admin/login/").status_code == 200
        assert client.get("/static/admin/css/base.css").status_code == 200
        assert client.get("/static/css/nothing-here.css").status_code == 404


def test_production_serves_hashed_files_once_collectstatic_has_run(tmp_path):
    with production(tmp_path):
        call_command("collectstatic", interactive=False, verbosity=0)
        client = Client()
        page = client.get("/").content.decode()
        hashed = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page).group(1)
        css = client.get(hashed)
        assert css.status_code == 200
        assert "immutable" in css["Cache-Control"]  # cached for good: its name changes with its content
        assert client.get(hashed, HTTP_ACCEPT_ENCODING="gzip")["Content-Encoding"] == "gzip"


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_an_anonymous_visit_to_a_catalogue_page_sets_no_cookie(url):
    response = Client().get(url)
    assert response.status_code == 200
    assert response.cookies == {}
    assert not response.has_header("Set-Cookie")
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_a_cache_keeps_pages_apart_by_language_and_login():
    """The page depends on the language cookie and the login (the header names the user): caches
    must key on Cookie. Anonymous visitors without a language cookie all share one copy."""
    vary = {part.strip() for part in Client().get("/items/")["Vary"].split(",")}
    assert {"Cookie", "Accept-Language"} <= vary


def test_the_language_switch_needs_no_csrf_cookie_and_sets_only_the_language():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/items/?batch=3"})
    assert response.status_code == 302 and response["Location"] == "/items/?batch=3"
    assert set(response.cookies) == {settings.LANGUAGE_COOKIE_NAME}
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["samesite"] == "Lax"
    page = client.get("/items/?batch=3")
    assert '<html lang="en">' in page.content.decode() and page.cookies == {}
    assert client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}).status_code == 302
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_the_language_switch_redirects_only_within_the_site():
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "https://example.com/"})
    assert response["Location"] == "/"
    assert Client().post("/i18n/setlang/", {"language": "xx", "next": "/"}).cookies == {}


def test_the_language_menu_names_each_language_in_its_own_script_and_waits_for_the_button():
    page = Client().get("/").content.decode()
    form = re.search(
        r'<form class="lang" action="/i18n/setlang/" method="post">.*?</form>', page, re.S
    ).group(0)
    assert '<option value="zh-hans" lang="zh-hans" selected>简体中文</option>' in form
    assert '<option value="en" lang="en">English</option>' in form
    assert '<button type="submit"' in form and "onchange" not in form


def test_the_footer_names_who_runs_the_site_from_settings():
    with override_settings(
        SITE_OWNER="某省人民政府办公厅",
        SITE_OPERATOR="某省大数据中心",
        SITE_CONTACT="电话 012-34567890",
        SITE_ICP="京ICP备00000000号-1",
    ):
        page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    footer = page[page.index('<footer class="site-footer">') :]
    assert "Run by: 某省人民政府办公厅" in footer and "Operated by: 某省大数据中心" in footer
    assert "Contact: 电话 012-34567890" in footer
    assert '<a href="https://beian.miit.gov.cn/" rel="noopener noreferrer">京ICP备00000000号-1</a>' in footer


def test_by_default_the_footer_says_it_is_a_demo_and_links_nowhere_else():
    footer = Client().get("/").content.decode().split('<footer class="site-footer">')[1]
    assert "跨省通办门户（演示站点）" in footer
    assert "beian.miit.gov.cn" not in footer


def test_an_unknown_page_is_the_sites_own_404_with_a_way_on():
    response = Client(HTTP_ACCEPT_LANGUAGE="en").get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in page and 'class="site-footer"' in page
    assert 'action="/items/"' in page and 'href="/items/">See the full list of items' in page
    assert response.cookies == {}
    assert Client().get("/items/KS-1-999/").status_code == 404
    api = Client().get("/api/v1/nothing/")  # the API keeps its JSON answer
    assert api.status_code == 404 and api.json() == {"detail": api.json()["detail"]}


def boom(request):
    raise RuntimeError("a fault for the 500 page")


urlpatterns = [path("boom/", boom), path("api/boom/", boom)]
handler500 = "kuasheng.middleware.server_error"


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_fault_shows_the_sites_500_page_without_touching_the_database(django_assert_num_queries):
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    with django_assert_num_queries(0):
        response = client.get("/boom/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in page and "/static/css/site.css" in page
    assert "look at your cases before you submit it again" in page
    api = client.get("/api/boom/")
    assert api.status_code == 500 and "detail" in api.json()


def test_the_500_template_renders_without_a_request_or_context_processors():
    page = get_template("500.html").render()  # exactly as Django's server_error renders it
    assert "<title>" in page and 'href="/"' in page
