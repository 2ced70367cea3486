"""The admin as a catalogue admin (staff with the catalogue permissions, not a superuser) uses it."""

import csv
import io

import pytest
from django.test import Client

from catalogue.models import ServiceItem
from catalogue.resources import ItemResource

pytestmark = pytest.mark.django_db

CSV_FORMAT, XLSX_FORMAT = "0", "1"  # IMPORT_FORMATS = EXPORT_FORMATS = [CSV, XLSX]
ALL_FIELDS = {f"itemresource_{name}": "on" for name in ItemResource().get_export_order()}


@pytest.fixture
def admin_client(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def export_csv(admin_client) -> list[dict[str, str]]:
    response = admin_client.post(
        "/admin/catalogue/serviceitem/export/", {"format": CSV_FORMAT, "resource": "0", **ALL_FIELDS}
    )
    assert response.status_code == 200, response.content[:500]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def import_csv(admin_client, rows: list[dict[str, str]]):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    upload = io.BytesIO(buffer.getvalue().encode("utf-8"))
    upload.name = "items.csv"
    return admin_client.post(
        "/admin/catalogue/serviceitem/import/", {"import_file": upload, "format": CSV_FORMAT, "resource": "0"}
    )


def confirm_import(admin_client, preview):
    form = preview.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    return admin_client.post("/admin/catalogue/serviceitem/process_import/", data)


def change_form_data(page) -> dict:
    """What the browser would post back from an admin change page, inlines included."""
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{management.prefix}-{k}": v for k, v in management.initial.items()})
        for sub in inline.formset.forms:
            data.update({sub.add_prefix(k): sub[k].value() for k in sub.fields if sub[k].value() is not None})
    return data


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


def test_the_whole_list_exports_to_csv(admin_client):
    rows = export_csv(admin_client)
    assert len(rows) == 140
    first = rows[0]
    assert first["code"] == "KS-1-001" and first["name"] == "学历公证"
    assert first["lead_department"] == "司法部" and first["cooperating_departments"] == "教育部"
    assert first["modes"] == "online,proxy"
    assert (
        rows[21]["cooperating_departments"]
        == "最高人民法院、公安部、民政部、司法部、国家卫生健康委、市场监管总局"
    )


def test_the_whole_list_exports_to_excel(admin_client):
    response = admin_client.post(
        "/admin/catalogue/serviceitem/export/", {"format": XLSX_FORMAT, "resource": "0", **ALL_FIELDS}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 141


def test_an_exported_file_imports_back_unchanged(admin_client):
    rows = export_csv(admin_client)
    history = ServiceItem.history.count()
    preview = import_csv(admin_client, rows)
    assert preview.status_code == 200
    assert preview.context["result"].has_errors() is False
    confirm_import(admin_client, preview)
    assert ServiceItem.history.count() == history  # skip_unchanged: nothing rewritten


def test_an_import_previews_then_applies_a_change(admin_client, admin_user):
    rows = export_csv(admin_client)
    rows[4]["fees"] = "不收费"
    rows[4]["cooperating_departments"] = "公安部、民政部"
    preview = import_csv(admin_client, rows)
    assert not preview.context["result"].has_errors()
    assert ServiceItem.objects.get(code="KS-1-005").fees == ""  # a preview writes nothing
    confirm_import(admin_client, preview)
    item = ServiceItem.objects.get(code="KS-1-005")
    assert item.fees == "不收费"
    assert [d.name for d in item.cooperating_departments.order_by("cooperations__position")] == [
        "公安部",
        "民政部",
    ]
    assert item.history.first().history_user == admin_user


def test_an_import_with_any_invalid_row_writes_nothing_and_names_rows_and_fields(admin_client):
    rows = export_csv(admin_client)
    rows[0]["fees"] = "改了但不该写入"
    rows[2]["lead_department"] = "不存在部"
    rows[3]["promised_days"] = "30"
    rows[5]["modes"] = "fax"
    before = ServiceItem.history.count()
    preview = import_csv(admin_client, rows)
    result = preview.context["result"]
    assert result.has_validation_errors()
    invalid = {row.number: set(row.field_specific_errors) for row in result.invalid_rows}
    assert invalid == {3: {"lead_department"}, 4: {"promised_days"}, 6: {"modes"}}
    assert "confirm_form" not in preview.context or preview.context["confirm_form"] is None
    page = preview.content.decode()
    assert "不存在部" in page
    assert ServiceItem.objects.get(code="KS-1-001").fees == ""
    assert ServiceItem.history.count() == before


def test_an_applicant_cannot_open_the_admin(applicant):
    client = Client()
    client.force_login(applicant)
    assert client.get("/admin/catalogue/serviceitem/").status_code == 302
