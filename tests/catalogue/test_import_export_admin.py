"""The admin's pages never show raw machine values: mode keys, status keys, None, field names, English.

The item list, the history (with the changes of materials), the export page and the change page
as a catalogue admin sees them; the import preview's wording is in test_import_export.py.
"""

import re

import pytest
from django.utils import translation

from catalogue.models import MaterialRequirement, ServiceItem

from .conftest import change_form_data

pytestmark = pytest.mark.django_db


def visible_text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def test_the_item_list_shows_modes_and_statuses_in_words(admin_client):
    ServiceItem.objects.filter(code="KS-1-001").update(
        channel="portal", supports_online=True, supports_proxy=True, supports_joint=False, status="draft"
    )
    text = visible_text(admin_client.get("/admin/catalogue/serviceitem/?q=KS-1-001"))
    assert "全程网办、异地代收代办" in text and "草稿" in text
    assert "online" not in text and "proxy" not in text and "draft" not in text


def test_the_item_list_filters_by_one_mode(admin_client):
    page = admin_client.get("/admin/catalogue/serviceitem/?mode=joint")
    codes = {item.code for item in page.context["cl"].result_list}
    assert codes == set(ServiceItem.objects.filter(supports_joint=True).values_list("code", flat=True))
    assert "多地联办" in visible_text(page)


def test_the_history_shows_verbose_names_labels_and_empty_never_none(admin_client):
    item = ServiceItem.objects.get(code="KS-1-005")
    item.fees, item.status = "", "published"
    item.save()
    page = admin_client.get(f"/admin/catalogue/serviceitem/{item.pk}/change/")
    data = change_form_data(page)
    data.update({"fees": "不收费", "status": "draft"})
    assert admin_client.post(f"/admin/catalogue/serviceitem/{item.pk}/change/", data).status_code == 302
    text = visible_text(admin_client.get(f"/admin/catalogue/serviceitem/{item.pk}/history/"))
    assert f"收费标准 ：{zh('(empty)')} → 不收费" in text
    assert "状态 ：已发布 → 草稿" in text
    assert "None" not in text and "published" not in text and "fees" not in text


def test_the_history_of_an_item_shows_the_changes_of_its_materials(admin_client):
    item = ServiceItem.objects.get(code="KS-1-005")
    material = MaterialRequirement.objects.create(item=item, position=1, name="失业证明", copies=1)
    material.copies, material.original_required = 2, True
    material.save()
    text = visible_text(admin_client.get(f"/admin/catalogue/serviceitem/{item.pk}/history/"))
    assert "失业证明" in text
    assert "份数 ：1 → 2" in text and f"需提供原件 ：{zh('No')} → {zh('Yes')}" in text


def test_the_export_page_names_the_columns_as_the_file_does(admin_client):
    text = visible_text(admin_client.get("/admin/catalogue/serviceitem/export/"))
    for column in ("事项代码", "批次", "办理模式", "申请材料"):
        assert column in text
    assert "Select all" not in text and "Code" not in text and "Lead Department" not in text


def test_the_change_page_uses_narrow_widgets_for_the_materials(admin_client):
    item = ServiceItem.objects.get(code="KS-1-005")
    MaterialRequirement.objects.create(item=item, position=1, name="失业证明", note="很长的备注" * 10)
    html = admin_client.get(f"/admin/catalogue/serviceitem/{item.pk}/change/").content.decode()
    assert "admin-overrides/catalogue.css" in html
    assert re.search(r'<textarea name="materials-0-note" cols="24" rows="2"', html)
