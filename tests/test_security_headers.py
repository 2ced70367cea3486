"""Every response carries a Content-Security-Policy that allows only this portal's own assets.

The few inline pieces of third-party templates (Swagger UI's and DRF's <style>, import-export's
"select all" handler) are allowed by hash: these tests hash what the installed packages render,
so an upgrade that changes them fails here rather than silently in a browser.
"""

import base64
import hashlib
import html
import re

import pytest
from django.conf import settings
from django.test import Client

from catalogue.models import ServiceItem

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def inline_styles(page: str) -> list[str]:
    return re.findall(r"<style[^>]*>(.*?)</style>", page, flags=re.S)


def inline_scripts(page: str) -> list[str]:
    """<script> elements that run code written into the page (JSON data blocks do not run)."""
    return [
        tag
        for tag in re.findall(r"<script\b[^>]*>", page)
        if "src=" not in tag and "application/json" not in tag
    ]


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize(
    "path",
    ["/", "/items/KS-1-001/", "/admin/login/", "/api/docs/", "/api/v1/items/", "/api/v1/cases/", "/nowhere/"],
)
def test_every_kind_of_response_carries_the_policy(client, path):
    directives = policy(client.get(path, HTTP_ACCEPT="application/json"))
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]


def test_the_admin_pages_carry_the_policy(admin_client):
    item = ServiceItem.objects.get(code="KS-1-001")
    for path in (
        "/admin/",
        f"/admin/catalogue/serviceitem/{item.pk}/change/",
        "/admin/catalogue/serviceitem/import/",
    ):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert policy(response)["script-src"] == ["'self'"], path


def test_the_policy_names_no_other_host_and_runs_no_inline_script(client):
    directives = policy(client.get("/"))
    sources = {value for values in directives.values() for value in values}
    assert {value for value in sources if not value.startswith("'")} == {"data:"}  # keywords and hashes only
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["style-src"]
    assert "'unsafe-eval'" not in sum(directives.values(), [])
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]


def test_portal_pages_have_no_inline_script_and_the_language_is_switched_with_a_button(client):
    page = client.get("/items/KS-1-001/").content.decode()
    assert inline_scripts(page) == [] and inline_styles(page) == []
    assert not re.search(r"\son[a-z]+=", page)
    assert re.search(r'<form class="lang"[^>]*>.*?<button type="submit"[^>]*>切换</button>', page, flags=re.S)


def test_the_api_docs_run_no_inline_script_and_their_style_is_allowed_by_hash(client):
    page = client.get("/api/docs/").content.decode()
    assert inline_scripts(page) == []
    assert client.get("/api/docs/?script=").status_code == 200
    for style in inline_styles(page):
        assert sha256(style) in settings.CSP_THIRD_PARTY_STYLES


def test_the_browsable_apis_style_is_allowed_by_hash(client):
    page = client.get("/api/v1/items/", HTTP_ACCEPT="text/html").content.decode()
    assert inline_scripts(page) == []
    assert [sha256(style) in settings.CSP_THIRD_PARTY_STYLES for style in inline_styles(page)] == [True]


def test_the_export_pages_select_all_handler_is_allowed_by_hash(admin_client):
    page = admin_client.get("/admin/catalogue/serviceitem/export/").content.decode()
    handlers = [html.unescape(code) for code in re.findall(r'\son[a-z]+="([^"]*)"', page)]
    assert handlers == ["onSelectToggleChange(event)"]
    assert sha256(handlers[0]) in settings.CSP_THIRD_PARTY_HANDLERS


def test_redoc_is_gone_because_it_loads_fonts_from_the_internet(client):
    assert client.get("/api/redoc/").status_code == 404
