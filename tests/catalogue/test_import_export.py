"""The admin's Excel/CSV round trip of the item list, driven through the admin's own pages.

A catalogue admin exports the list, edits the file in a spreadsheet, and imports it back: the
preview shows what changes, the confirmation writes it, the history says who and why. The two
failures reported in issue 8 are the first two tests: an unchanged .xlsx export failed on all
140 rows (empty cells read as None), and a row with a new code crashed the preview.
"""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.utils import translation
from openpyxl import Workbook, load_workbook

from catalogue.admin import ServiceItemAdmin
from catalogue.file_formats import SpreadsheetCSV
from catalogue.models import Department, ItemCooperation, MaterialRequirement, ServiceItem
from catalogue.resources import ItemResource, ItemWorkbook

pytestmark = pytest.mark.django_db

ADMIN = "/admin/catalogue/serviceitem"
FORMATS = {fmt: str(index) for index, fmt in enumerate(ServiceItemAdmin.export_formats)}
XLSX, CSV = FORMATS[ItemWorkbook], FORMATS[SpreadsheetCSV]
ALL_COLUMNS = {f"itemresource_{name}": "on" for name in ItemResource().get_export_order()}
ITEM_HEADERS = (
    "事项代码 批次 序号 事项名称 应用场景 牵头单位 牵头单位栏备注 配合单位 完成时限 适用范围 "
    "基本目录事项编码 设定依据 事项类型 行使层级 前置环节 服务对象 办理途径 须本人到场 办理地点 办理模式 "
    "法定办结时限（工作日） 承诺办结时限（工作日） 时限说明 收费标准 受理条件 办理结果 送达方式 状态"
).split()
MATERIAL_HEADERS = "事项代码 材料序号 材料名称 材料形式 原件或复印件 份数 是否必要 来源 备注".split()


# --- Driving the admin ---------------------------------------------------------------------------


def export(client, fmt: str, **filters):
    query = "?" + "&".join(f"{k}={v}" for k, v in filters.items()) if filters else ""
    response = client.post(f"{ADMIN}/export/{query}", {"format": fmt, "resource": "0", **ALL_COLUMNS})
    assert response.status_code == 200, response.content[:500]
    return response


def preview(client, content: bytes, name: str):
    """Upload a file; the format follows from its name, as when an official picks a file."""
    upload = io.BytesIO(content)
    upload.name = name
    response = client.post(f"{ADMIN}/import/", {"import_file": upload, "format": "", "resource": "0"})
    assert response.status_code == 200
    return response


def confirm(client, page):
    form = page.context["confirm_form"]
    assert form is not None, visible_text(page)
    return client.post(
        f"{ADMIN}/process_import/", {name: form[name].value() for name in form.fields}, follow=True
    )


def visible_text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def counts(page) -> tuple[int, int, int]:
    totals = page.context["result"].totals
    return totals["new"], totals["update"], totals["skip"]


def give_materials(code: str, *names: str) -> list[MaterialRequirement]:
    """The item's materials list, replaced by these (the loader's defaults may change)."""
    item = ServiceItem.objects.get(code=code)
    item.materials.all().delete()
    return [
        MaterialRequirement.objects.create(item=item, position=n, name=name)
        for n, name in enumerate(names, 1)
    ]


def histories() -> tuple[int, int, int]:
    return ServiceItem.history.count(), MaterialRequirement.history.count(), ItemCooperation.history.count()


# Workbooks and CSV files as an official edits them


def sheet_rows(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def workbook_bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def csv_bytes(rows: list[dict], encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def set_cell(sheet, code: str, header: str, value) -> None:
    headers = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == code:
            row[headers.index(header)].value = value
            return
    raise AssertionError(f"{code} not in the sheet")


def edited(fmt: str, content: bytes, edit_items, edit_materials=None) -> tuple[bytes, str]:
    """The exported file with the official's edits; items and materials as lists of dicts."""
    if fmt == XLSX:
        book = load_workbook(io.BytesIO(content))
        items, materials = book["跨省通办事项清单"], book["申请材料"]
        edit_items(items)
        if edit_materials:
            edit_materials(materials)
        return workbook_bytes(book), "items.xlsx"
    rows = csv_rows(content)
    edit_items(rows)
    return csv_bytes(rows), "items.csv"


NEW_ITEM = {
    "事项代码": "KS-3-009",
    "批次": "2021年以后",
    "序号": 9,
    "事项名称": "跨省异地就医直接结算备案（演示新增）",
    "应用场景": "参保人员可在参保地线上办理异地就医备案。",
    "牵头单位": "国家医保局",
    "配合单位": "公安部、民政部",
    "完成时限": "2026年底前",
    "服务对象": "个人",
    "办理模式": "全程网办、异地代收代办",
    "法定办结时限（工作日）": 10,
    "送达方式": "网上送达",
    "状态": "草稿",
}
NEW_MATERIALS = [
    ["居民身份证", "纸质或电子", "原件", 1, "必要", "公安机关", ""],
    ["参保凭证", "电子", "复印件", 2, "非必要", "", "有则提供"],
]


# --- The two failures of issue 8 -----------------------------------------------------------------


def test_an_unchanged_excel_export_imports_back_with_every_row_unchanged(admin_client):
    """Issue 8: all 140 rows failed with NOT NULL constraint failed: …legal_basis."""
    page = preview(admin_client, export(admin_client, XLSX).content, "items.xlsx")
    result = page.context["result"]
    assert not result.has_errors() and not result.has_validation_errors(), visible_text(page)[:2000]
    assert counts(page) == (0, 0, 140)


def test_a_row_with_a_new_code_previews_and_creates_the_item(admin_client):
    """Issue 8: a new code crashed in DepartmentsWidget.render on the unsaved item."""
    rows = csv_rows(export(admin_client, CSV).content)
    rows.append(dict.fromkeys(rows[0], "") | NEW_ITEM | {"序号": "9", "法定办结时限（工作日）": "10"})
    page = preview(admin_client, csv_bytes(rows), "items.csv")
    assert not page.context["result"].has_errors(), visible_text(page)[:2000]
    assert counts(page) == (1, 0, 140)
    assert not ServiceItem.objects.filter(code="KS-3-009").exists()  # a preview writes nothing
    confirm(admin_client, page)
    item = ServiceItem.objects.get(code="KS-3-009")
    assert [d.name for d in item.cooperating_departments.order_by("cooperations__position")] == [
        "公安部",
        "民政部",
    ]


# --- Export ----------------------------------------------------------------------------------------


def test_the_workbook_has_the_list_in_chinese_and_the_materials_on_their_own_sheet(admin_client):
    ServiceItem.objects.filter(code="KS-1-001").update(
        delivery_window=True, delivery_post=False, delivery_online=True, legal_basis="", promised_days=None
    )
    [material, _second] = give_materials("KS-1-001", "公证申请表", "学历证书")
    material.form, material.original_required, material.copies, material.required = "paper", True, 2, False
    material.save()
    book = load_workbook(io.BytesIO(export(admin_client, XLSX).content))
    assert book.sheetnames == ["跨省通办事项清单", "申请材料"]
    items = sheet_rows(book["跨省通办事项清单"])
    assert list(items[0]) == ITEM_HEADERS and len(items) == 140
    first, joint = items[0], next(row for row in items if row["事项代码"] == "KS-1-007")
    assert first["批次"] == "2020年底前" and first["事项名称"] == "学历公证" and first["牵头单位"] == "司法部"
    assert (
        first["办理模式"] == "全程网办、异地代收代办"
        and first["服务对象"] == "个人"
        and first["状态"] == "已发布"
    )
    assert first["送达方式"] == "窗口领取、网上送达"
    assert joint["办理模式"] == "多地联办"
    assert items[21]["配合单位"] == "最高人民法院、公安部、民政部、司法部、国家卫生健康委、市场监管总局"
    assert first["设定依据"] is None and first["承诺办结时限（工作日）"] is None  # empty, not "None"
    assert first["序号"] == 1  # a number, not text
    materials = sheet_rows(book["申请材料"])
    assert list(materials[0]) == MATERIAL_HEADERS
    assert len(materials) == MaterialRequirement.objects.count()
    assert (materials[0]["事项代码"], materials[0]["材料序号"], materials[0]["材料名称"]) == (
        "KS-1-001",
        1,
        material.name,
    )
    assert (
        materials[0]["材料形式"],
        materials[0]["原件或复印件"],
        materials[0]["份数"],
        materials[0]["是否必要"],
    ) == (
        "纸质",
        "原件",
        2,
        "非必要",
    )


def test_the_export_file_is_named_after_the_list_and_the_beijing_date(admin_user):
    # 2026-11-29 17:30 UTC is already 30 November in Beijing.
    with time_machine.travel(datetime(2026, 11, 29, 17, 30, tzinfo=UTC), tick=False):
        client = Client()
        client.force_login(admin_user)
        response = export(client, XLSX)
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="kuasheng-items-2026-11-30.xlsx"')
    # RFC 5987: the UTF-8 name percent-encoded, which every current browser reads.
    assert (
        "filename*=UTF-8''%E8%B7%A8%E7%9C%81%E9%80%9A%E5%8A%9E%E4%BA%8B%E9%A1%B9%E6%B8%85%E5%8D%95-2026-11-30.xlsx"
        in (disposition)
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_csv_export_opens_in_excel_as_chinese_with_one_material_per_line(admin_client):
    item = ServiceItem.objects.get(code="KS-1-031")
    item.materials.all().delete()
    MaterialRequirement.objects.create(
        item=item, position=1, name="营业执照", form="paper", source="市场监管部门"
    )
    MaterialRequirement.objects.create(
        item=item, position=2, name="委托书", required=False, note="代办时提供"
    )
    response = export(admin_client, CSV)
    assert response.content.startswith("\ufeff".encode())  # the byte order mark Excel needs
    assert response["Content-Disposition"].endswith(".csv")
    rows = csv_rows(response.content)
    assert list(rows[0]) == [*ITEM_HEADERS, "申请材料"]
    lines = next(row for row in rows if row["事项代码"] == "KS-1-031")["申请材料"].split("\n")
    assert lines == [
        "营业执照｜纸质｜复印件｜1｜必要｜市场监管部门｜",
        "委托书｜纸质或电子｜复印件｜1｜非必要｜｜代办时提供",
    ]


def test_an_export_follows_the_lists_filters(admin_client):
    give_materials("KS-2-001", "身份证")
    give_materials("KS-3-003", "户口簿", "身份证")
    book = load_workbook(io.BytesIO(export(admin_client, XLSX, batch=3).content))
    assert [row["事项代码"] for row in sheet_rows(book["跨省通办事项清单"])] == [
        f"KS-3-00{n}" for n in range(1, 9)
    ]
    materials = [row["事项代码"] for row in sheet_rows(book["申请材料"])]
    assert materials.count("KS-3-003") == 2 and "KS-2-001" not in materials
    assert set(materials) <= {f"KS-3-00{n}" for n in range(1, 9)}


# --- The round trip, on .xlsx and .csv -----------------------------------------------------------


@pytest.mark.parametrize("fmt", [XLSX, CSV], ids=["xlsx", "csv"])
def test_an_unchanged_export_imported_back_changes_nothing(admin_client, fmt):
    content = export(admin_client, fmt).content
    before = histories()
    page = preview(admin_client, content, "items.xlsx" if fmt == XLSX else "items.csv")
    assert counts(page) == (0, 0, 140)
    done = confirm(admin_client, page)
    assert histories() == before
    assert "0" in visible_text(done) and done.redirect_chain[-1][0].endswith(f"{ADMIN}/")


@pytest.mark.parametrize("fmt", [XLSX, CSV], ids=["xlsx", "csv"])
def test_an_edited_cell_updates_that_item_and_its_history_says_who_and_from_which_file(
    admin_client, admin_user, fmt
):
    def edit(items):
        if fmt == XLSX:
            set_cell(items, "KS-1-005", "收费标准", "不收费")
        else:
            next(row for row in items if row["事项代码"] == "KS-1-005")["收费标准"] = "不收费"

    content, name = edited(fmt, export(admin_client, fmt).content, edit)
    before = histories()
    page = preview(admin_client, content, name)
    assert counts(page) == (0, 1, 139)
    changed = next(row for row in page.context["result"].rows if row.import_type == "update")
    assert [cell.column for cell in changed.diff if cell.changed] == ["收费标准"]
    assert "不收费" in visible_text(page)
    assert ServiceItem.objects.get(code="KS-1-005").fees == ""
    confirm(admin_client, page)
    item = ServiceItem.objects.get(code="KS-1-005")
    assert item.fees == "不收费"
    assert histories() == (before[0] + 1, before[1], before[2])
    latest = item.history.first()
    assert latest.history_user == admin_user
    assert name in latest.history_change_reason
    assert [change.field for change in latest.diff_against(latest.prev_record).changes] == ["fees"]


@pytest.mark.parametrize("fmt", [XLSX, CSV], ids=["xlsx", "csv"])
def test_a_row_with_a_new_code_creates_the_item_with_its_departments_and_materials(admin_client, fmt):
    def add_item(items):
        if fmt == XLSX:
            headers = [cell.value for cell in items[1]]
            items.append([NEW_ITEM.get(header) for header in headers])
        else:
            lines = "\n".join("｜".join(str(part) for part in material) for material in NEW_MATERIALS)
            items.append(
                dict.fromkeys(items[0], "") | {k: str(v) for k, v in NEW_ITEM.items()} | {"申请材料": lines}
            )

    def add_materials(materials):
        for position, material in enumerate(NEW_MATERIALS, start=1):
            materials.append(["KS-3-009", position, *material])

    content, name = edited(fmt, export(admin_client, fmt).content, add_item, add_materials)
    page = preview(admin_client, content, name)
    assert counts(page) == (1, 0, 140), visible_text(page)[:3000]
    confirm(admin_client, page)
    item = ServiceItem.objects.get(code="KS-3-009")
    assert (item.batch, item.seq, item.status, item.audience) == (3, 9, "draft", "person")
    assert item.modes == ["online", "proxy"] and item.delivery_options == ["online"]
    assert (item.statutory_days, item.promised_days) == (10, None)  # an empty cell is no number
    assert (item.legal_basis, item.fees, item.item_type) == ("", "", "")  # and empty text
    assert item.lead_department.name == "国家医保局"
    assert [d.name for d in item.cooperating_departments.order_by("cooperations__position")] == [
        "公安部",
        "民政部",
    ]
    materials = [
        (m.position, m.name, m.form, m.original_required, m.copies, m.required, m.source, m.note)
        for m in item.materials.order_by("position")
    ]
    assert materials == [
        (1, "居民身份证", "either", True, 1, True, "公安机关", ""),
        (2, "参保凭证", "electronic", False, 2, False, "", "有则提供"),
    ]
    assert item.history.first().history_type == "+"


def test_a_material_edited_on_the_materials_sheet_updates_that_material_only(admin_client):
    give_materials("KS-1-005", "申请人有效身份证件")

    def edit_materials(sheet):
        headers = [cell.value for cell in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            if row[0].value == "KS-1-005":
                row[headers.index("份数")].value = 2
                row[headers.index("原件或复印件")].value = "原件"

    content, name = edited(XLSX, export(admin_client, XLSX).content, lambda items: None, edit_materials)
    before = histories()
    page = preview(admin_client, content, name)
    assert counts(page) == (0, 1, 139), visible_text(page)[:3000]
    confirm(admin_client, page)
    material = MaterialRequirement.objects.get(item__code="KS-1-005")
    assert (material.copies, material.original_required) == (2, True)
    # The item is saved too, so its updated_at (and with it the API's ETag) moves.
    assert histories() == (before[0] + 1, before[1] + 1, before[2])
    history_page = admin_client.get(f"{ADMIN}/{material.item_id}/history/")
    assert "申请人有效身份证件" in visible_text(history_page)


@pytest.mark.parametrize(
    ("header", "value", "changed"),
    [
        ("办理模式", "多地联办", {"supports_online": False, "supports_proxy": False, "supports_joint": True}),
        ("配合单位", "公安部", None),
        ("状态", "已废止", {"status": "retired"}),
    ],
)
def test_a_change_of_one_column_alone_is_an_update_not_skipped(admin_client, header, value, changed):
    content, name = edited(
        XLSX, export(admin_client, XLSX).content, lambda items: set_cell(items, "KS-1-005", header, value)
    )
    page = preview(admin_client, content, name)
    assert counts(page) == (0, 1, 139)
    confirm(admin_client, page)
    item = ServiceItem.objects.get(code="KS-1-005")
    if changed:
        assert {field: getattr(item, field) for field in changed} == changed
    else:
        assert [d.name for d in item.cooperating_departments.all()] == ["公安部"]


def test_machine_values_and_the_apis_field_names_are_accepted(admin_client):
    resource = ItemResource()
    machine = {field.column_name: name for name, field in resource.fields.items()}  # 事项代码 → code, …
    rows = csv_rows(export(admin_client, CSV).content)
    for row in rows:
        item = ServiceItem.objects.get(code=row["事项代码"])
        row["批次"] = str(item.batch)
        row["办理模式"] = ",".join(item.modes)
        row["服务对象"] = item.audience
        row["状态"] = item.status
        row["送达方式"] = ",".join(item.delivery_options)
    renamed = [{machine[header]: value for header, value in row.items()} for row in rows]
    page = preview(admin_client, csv_bytes(renamed), "api.csv")
    assert counts(page) == (0, 0, 140), visible_text(page)[:2000]


def test_a_csv_saved_by_excel_in_gbk_reads_as_chinese(admin_client):
    rows = csv_rows(export(admin_client, CSV).content)
    page = preview(admin_client, csv_bytes(rows, encoding="gb18030"), "从Excel另存.csv")
    assert counts(page) == (0, 0, 140)


def test_text_typed_in_the_admins_textarea_round_trips_unchanged_through_excel(admin_client):
    """A browser's textarea sends \r\n; a workbook gives back \n: that is no change."""
    ServiceItem.objects.filter(code="KS-1-001").update(conditions="第一条\r\n第二条")
    page = preview(admin_client, export(admin_client, XLSX).content, "items.xlsx")
    assert counts(page) == (0, 0, 140)


def test_circled_and_full_width_numbers_in_a_material_stay_text_and_come_back_unchanged(admin_client):
    [material] = give_materials("KS-1-001", "公证申请表")
    material.note = "①有则提供"
    material.source = "１２３４８"
    material.save()
    content = export(admin_client, XLSX).content  # "①".isdigit() is True, int("①") fails: not here
    book = load_workbook(io.BytesIO(content))
    row = next(r for r in sheet_rows(book["申请材料"]) if r["事项代码"] == "KS-1-001")
    assert (row["备注"], row["来源"]) == ("①有则提供", "１２３４８")
    assert counts(preview(admin_client, content, "items.xlsx")) == (0, 0, 140)


def test_text_that_looks_like_a_formula_stays_text_in_the_workbook(admin_client):
    ServiceItem.objects.filter(code="KS-1-001").update(fees='=HYPERLINK("http://example.com")')
    book = load_workbook(io.BytesIO(export(admin_client, XLSX).content))
    sheet = book["跨省通办事项清单"]
    cell = sheet.cell(row=2, column=ITEM_HEADERS.index("收费标准") + 1)  # of the first item
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.com")', "s")


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_sheet(admin_client):
    book = load_workbook(io.BytesIO(export(admin_client, XLSX).content))
    items = book["跨省通办事项清单"]
    items.insert_rows(3)  # a blank row 3; KS-1-002 moves to row 4
    set_cell(items, "KS-1-002", "牵头单位", "不存在部")
    page = preview(admin_client, workbook_bytes(book), "items.xlsx")
    [invalid] = page.context["result"].invalid_rows
    assert (invalid.sheet_row, invalid.key) == (4, "KS-1-002")


# --- A file with problems is refused whole, each problem in words ----------------------------------


def test_a_file_with_invalid_rows_writes_nothing_and_lists_row_column_and_message(admin_client):
    give_materials("KS-1-008", "身份证")
    book = load_workbook(io.BytesIO(export(admin_client, XLSX).content))
    items = book["跨省通办事项清单"]
    set_cell(items, "KS-1-001", "收费标准", "改了但不该写入")
    set_cell(items, "KS-1-002", "牵头单位", "不存在部")  # row 3
    set_cell(items, "KS-1-003", "承诺办结时限（工作日）", 30)  # row 4: above the 20 of the default
    set_cell(items, "KS-1-005", "办理模式", "传真")  # row 6
    set_cell(items, "KS-1-006", "批次", "2019年底前")  # row 7
    materials = book["申请材料"]
    headers = [cell.value for cell in materials[1]]
    for row in materials.iter_rows(min_row=2):
        if row[0].value == "KS-1-008":  # row 9
            row[headers.index("份数")].value = "两份"
    before = histories()
    page = preview(admin_client, workbook_bytes(book), "items.xlsx")
    result = page.context["result"]
    assert page.context.get("confirm_form") is None
    problems = {row.sheet_row: {p.column for p in row.problems} for row in result.invalid_rows}
    assert problems == {
        3: {"牵头单位"},
        4: {"承诺办结时限（工作日）"},
        6: {"办理模式"},
        7: {"批次"},
        9: {"申请材料"},
    }
    text = visible_text(page)
    with translation.override("zh-hans"):
        from django.utils.translation import gettext

        row = gettext("Row %(row)s")
        department = gettext("Unknown %(what)s: %(name)s.") % {
            "what": Department._meta.verbose_name,
            "name": "不存在部",
        }
    # Each problem is visible text (not a tooltip): row, code, column, message.
    assert f"{row % {'row': 3}}（KS-1-002） · 牵头单位 ：{department}" in text
    assert f"{row % {'row': 9}}（KS-1-008） · 申请材料" in text and "两份" in text
    assert f"{row % {'row': 6}}（KS-1-005） · 办理模式" in text and "传真" in text
    assert ServiceItem.objects.get(code="KS-1-001").fees == ""
    assert histories() == before


def test_a_file_with_an_unknown_column_is_refused_before_any_row(admin_client):
    rows = csv_rows(export(admin_client, CSV).content)
    rows = [{("事项名" if k == "事项名称" else k): v for k, v in row.items()} for row in rows]
    page = preview(admin_client, csv_bytes(rows), "items.csv")
    result = page.context["result"]
    assert [str(error.error) for error in result.base_errors] and not result.invalid_rows
    assert "事项名" in visible_text(page)
    assert page.context.get("confirm_form") is None


def test_a_material_for_a_code_not_on_the_items_sheet_is_refused(admin_client):
    book = load_workbook(io.BytesIO(export(admin_client, XLSX).content))
    book["申请材料"].append(["KS-9-999", 1, "身份证"])
    page = preview(admin_client, workbook_bytes(book), "items.xlsx")
    assert "KS-9-999" in visible_text(page)
    assert page.context.get("result") is None and page.context["form"].errors


def test_a_file_that_is_not_a_workbook_is_refused_with_a_message(admin_client):
    page = preview(admin_client, b"not a zip file", "items.xlsx")
    assert page.context["form"].errors["import_file"]


def test_the_confirmation_writes_nothing_if_the_file_no_longer_fits(admin_client):
    """All or nothing at the confirmation too: here a department was renamed after the preview."""
    content, name = edited(
        XLSX,
        export(admin_client, XLSX).content,
        lambda items: (
            set_cell(items, "KS-1-005", "收费标准", "不收费"),
            set_cell(items, "KS-1-006", "配合单位", "公安部"),
        ),
    )
    page = preview(admin_client, content, name)
    assert counts(page) == (0, 2, 138)
    Department.objects.filter(name="公安部").update(name="公安部（改名）")
    before = histories()
    done = confirm(admin_client, page)
    assert done.context["result"].has_validation_errors()
    assert ServiceItem.objects.get(code="KS-1-005").fees == ""
    assert histories() == before


def test_an_empty_workbook_sheet_name_does_not_matter_if_it_is_the_first_sheet(admin_client):
    """A workbook whose sheet was renamed (or a new one typed by hand) reads its first sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(ITEM_HEADERS)
    sheet.append([NEW_ITEM.get(header) for header in ITEM_HEADERS])
    page = preview(admin_client, workbook_bytes(book), "new.xlsx")
    assert counts(page) == (1, 0, 0)
    confirm(admin_client, page)
    assert ServiceItem.objects.get(code="KS-3-009").materials.count() == 0
