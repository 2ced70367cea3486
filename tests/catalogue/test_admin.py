"""The admin as a catalogue admin (staff with the catalogue permissions, not a superuser) uses it.

The import and export round trip is in test_import_export.py, the readability of the admin's
pages (no raw machine value) in test_import_export_admin.py.
"""

import pytest
from django.test import Client

from catalogue.models import ServiceItem

from .conftest import change_form_data

pytestmark = pytest.mark.django_db


def test_the_admin_is_in_chinese(admin_client):
    page = admin_client.get("/admin/catalogue/serviceitem/").content.decode()
    assert "事项" in page and "跨省通办" in page


def test_an_admin_edits_an_item_and_sees_who_changed_what(admin_client, admin_user):
    item = ServiceItem.objects.get(code="KS-1-005")
    page = admin_client.get(f"/admin/catalogue/serviceitem/{item.pk}/change/")
    assert page.status_code == 200
    data = change_form_data(page)
    data.update({"fees": "不收费", "statutory_days": "15", "promised_days": "10"})
    response = admin_client.post(f"/admin/catalogue/serviceitem/{item.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    item.refresh_from_db()
    assert (item.fees, item.statutory_days, item.promised_days) == ("不收费", 15, 10)
    latest = item.history.first()
    assert latest.history_user == admin_user
    assert {c.field for c in latest.diff_against(latest.prev_record).changes} >= {"fees", "statutory_days"}
    history_page = admin_client.get(f"/admin/catalogue/serviceitem/{item.pk}/history/").content.decode()
    assert "catalogue_admin" in history_page


def test_the_admin_refuses_a_promised_limit_above_the_statutory_one(admin_client):
    item = ServiceItem.objects.get(code="KS-1-005")
    page = admin_client.get(f"/admin/catalogue/serviceitem/{item.pk}/change/")
    data = change_form_data(page)
    data.update({"statutory_days": "5", "promised_days": "8"})
    response = admin_client.post(f"/admin/catalogue/serviceitem/{item.pk}/change/", data)
    assert response.status_code == 200
    assert "promised_days" in response.context["adminform"].form.errors
    assert ServiceItem.objects.get(pk=item.pk).statutory_days is None


def test_an_applicant_cannot_open_the_admin(applicant):
    client = Client()
    client.force_login(applicant)
    assert client.get("/admin/catalogue/serviceitem/").status_code == 302
