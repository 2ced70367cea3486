"""Region guides (实施清单) and the directory of 跨省通办 windows.

A province or city publishes its own guide for a national item: conditions, materials, fees,
promised limit, windows and handling offices. The standard elements stay the item's. A reader
picks a region on the guide page (?region=), gets that region's guide, else the guide of the
nearest region above it, else the national guide; the windows are listed on /windows/. Admins
edit both with history and the same Excel/CSV round trip as the items.
"""

import io
import re
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from cases.models import Office
from catalogue.admin import RegionGuideAdmin, ServiceWindowAdmin
from catalogue.file_formats import SpreadsheetCSV
from catalogue.models import Region, RegionGuide, RegionMaterial, ServiceItem, ServiceWindow
from catalogue.resources import (
    RegionGuideResource,
    RegionGuideWorkbook,
    ServiceWindowResource,
    WindowWorkbook,
)

pytestmark = pytest.mark.django_db

GUIDES = "/admin/catalogue/regionguide"
WINDOWS = "/admin/catalogue/servicewindow"


def zh(msgid: str, **values) -> str:
    """What a Chinese page shows for `msgid` (the msgid itself until it is translated)."""
    with translation.override("zh-hans"):
        text = translation.gettext(msgid)
    return text % values if values else text


def zh_days(n: int) -> str:
    with translation.override("zh-hans"):
        return translation.ngettext("%(n)s working day", "%(n)s working days", n) % {"n": n}


UNPUBLISHED = "As published where it is handled"


# --- Builders -------------------------------------------------------------------------------------


def make_window(name: str, region: str, **extra) -> ServiceWindow:
    values = {
        "address": f"{name}的地址",
        "hours": "周一至周五 9:00—17:00",
        "phone": "0755-11111111",
    } | extra
    return ServiceWindow.objects.create(name=name, region_id=region, **values)


def make_guide(code: str, region: str, *materials: str, windows=(), **extra) -> RegionGuide:
    guide = RegionGuide.objects.create(
        item=ServiceItem.objects.get(code=code), region_id=region, status="published", **extra
    )
    for position, name in enumerate(materials, 1):
        RegionMaterial.objects.create(guide=guide, position=position, name=name)
    guide.windows.set(windows)
    return guide


@pytest.fixture
def guides(db):
    """深圳 and 广东 publish guides for KS-2-001; a window in 南山 and one in 锦江 (成都)."""
    nanshan = make_window("南山专窗", "440305")
    jinjiang = make_window("锦江专窗", "510104")
    city = make_guide(
        "KS-2-001",
        "440300",
        "居民身份证",
        "深圳申请表",
        windows=[nanshan],
        promised_days=3,
        fees="深圳不收费",
        conditions="在深圳居住的个人",
        handling_offices="深圳市公安局南山分局\n各派出所户籍窗口",
        contact="0755-22222222",
    )
    province = make_guide("KS-2-001", "440000", "广东申请表", promised_days=5)
    return {"nanshan": nanshan, "jinjiang": jinjiang, "city": city, "province": province}


def page(url: str, client=None):
    response = (client or Client()).get(url)
    assert response.status_code == 200
    return response


def article(response) -> str:
    html = response.content.decode()
    return html[html.index('<article class="guide">') : html.index("</article>")]


def region_options(html: str) -> list[str]:
    select = html[
        html.index('id="region-select"') : html.index("</select>", html.index('id="region-select"'))
    ]
    return re.findall(r'<option value="(\d*)"', select)


# --- The guide page -------------------------------------------------------------------------------


def test_the_national_guide_offers_the_regions_that_publish_a_guide_and_shows_none_of_theirs(guides):
    response = page("/items/KS-2-001/")
    html = article(response)
    assert region_options(html) == ["", "440000", "440300"]
    assert "广东省深圳市" in html  # the options name the city with its province
    assert response.context["guide"] is None
    assert "深圳申请表" not in html and "南山专窗" not in html and "深圳不收费" not in html
    # The national guide's own 以办理地公布为准 stays where it publishes nothing.
    assert zh(UNPUBLISHED) in html[html.index(f"<h2>{zh('Materials')}</h2>") :]


def test_an_item_without_region_guides_has_no_region_picker():
    html = article(page("/items/KS-1-015/"))
    assert "region-select" not in html
    assert "窗口" not in html  # the online-only item still never mentions a window


def test_a_region_guide_shows_what_the_region_publishes_and_says_whose_it_is(guides):
    response = page("/items/KS-2-001/?region=440300")
    html = article(response)
    choice = response.context["choice"]
    assert (choice.guide, choice.inherited) == (guides["city"], False)
    assert zh("Shown: the guide published by %(region)s.", region="广东省深圳市") in html
    assert 'value="440300" selected' in html
    for text in (
        "居民身份证",
        "深圳申请表",
        "深圳不收费",
        "在深圳居住的个人",
        "深圳市公安局南山分局",
        "0755-22222222",
    ):
        assert text in html, text
    windows = html[html.index('id="windows"') :]
    assert "南山专窗" in windows and "南山专窗的地址" in windows and "周一至周五 9:00—17:00" in windows
    assert "0755-11111111" in windows and "锦江专窗" not in windows
    assert zh_days(3) in html and zh("(promised by %(region)s)", region="广东省深圳市") in html
    assert 'href="/windows/?region=440300"' in windows


def test_a_county_without_its_own_guide_gets_its_citys_and_is_told_so(guides):
    response = page("/items/KS-2-001/?region=440305")
    choice = response.context["choice"]
    assert (choice.region.code, choice.guide, choice.inherited) == ("440305", guides["city"], True)
    html = article(response)
    assert (
        zh(
            "%(asked)s publishes no guide of its own for this item: the guide of %(region)s applies there.",
            asked="广东省深圳市南山区",
            region="广东省深圳市",
        )
        in html
    )
    assert "深圳申请表" in html


def test_a_city_without_its_own_guide_falls_back_to_the_provinces(guides):
    response = page("/items/KS-2-001/?region=440100")  # 广州市
    assert response.context["guide"] == guides["province"]
    html = article(response)
    assert "广东申请表" in html and "深圳申请表" not in html
    assert (
        zh(
            "%(asked)s publishes no guide of its own for this item: the guide of %(region)s applies there.",
            asked="广东省广州市",
            region="广东省",
        )
        in html
    )


def test_a_region_without_a_guide_above_it_gets_the_national_guide_with_a_note(guides):
    response = page("/items/KS-2-001/?region=510104")
    assert response.context["guide"] is None
    html = article(response)
    assert (
        zh(
            "%(region)s has not published a guide of its own for this item here. The national guide is "
            "shown; what it does not say is as published where the item is handled.",
            region="四川省成都市锦江区",
        )
        in html
    )
    assert "深圳申请表" not in html and "广东申请表" not in html


@pytest.mark.parametrize("code", ["abc", "999999", "44", "4403051", "<b>x</b>", " ", "南山区", "4" * 300])
def test_a_bad_region_code_shows_the_national_guide_with_a_message_never_an_error(guides, code):
    response = Client().get("/items/KS-2-001/", {"region": code})
    assert response.status_code == 200
    assert response.context["guide"] is None
    html = article(response)
    assert "<b>x</b>" not in html  # escaped
    assert response.context["choice"].unknown_region == bool(code.strip())
    if code == "abc":
        message = "There is no region with the code “%(code)s”. The national guide is shown."
        assert zh(message, code="abc") in html
    assert not response.cookies  # no session or CSRF cookie for the message


def test_a_draft_or_retired_region_guide_is_shown_to_staff_only(guides, admin_client):
    RegionGuide.objects.filter(pk=guides["city"].pk).update(status="draft")
    anonymous = page("/items/KS-2-001/?region=440300")
    assert anonymous.context["guide"] == guides["province"]  # the province's still applies
    assert region_options(article(anonymous)) == ["", "440000"]
    staff = page("/items/KS-2-001/?region=440300", admin_client)
    assert staff.context["guide"] == guides["city"]
    notice = "This region guide is not published (%(status)s); only staff see it."
    assert zh(notice, status=zh("Draft")) in article(staff)


def test_the_national_texts_show_where_the_region_guide_leaves_them_empty(guides):
    item = ServiceItem.objects.get(code="KS-1-016")  # its conditions come from the law
    make_guide("KS-1-016", "430100", "解除劳动关系证明")
    html = article(page("/items/KS-1-016/?region=430100"))
    assert item.conditions and item.conditions.split("；")[0] in html
    assert item.legal_basis in html  # the standard elements are the item's


def test_a_promised_limit_of_zero_shows_as_on_the_spot(guides):
    RegionGuide.objects.filter(pk=guides["city"].pk).update(promised_days=0)
    html = article(page("/items/KS-2-001/?region=440300"))
    limits = html[html.index(f"<h2>{zh('Time limits and fees')}</h2>") :]
    assert zh("Done on the spot (即办)") in limits[: limits.index("</section>")]


# --- What a region may not set --------------------------------------------------------------------


def test_a_promised_limit_above_the_items_statutory_limit_is_refused():
    marriage = ServiceItem.objects.get(code="KS-3-003")  # 即办: statutory 0
    with pytest.raises(ValidationError) as refused:
        RegionGuide(item=marriage, region_id="440000", promised_days=1).full_clean()
    assert "promised_days" in refused.value.message_dict
    no_limit = ServiceItem.objects.get(code="KS-2-001")  # none published: the 20-day default counts
    assert no_limit.statutory_days is None
    RegionGuide(item=no_limit, region_id="440000", promised_days=20).full_clean()
    with pytest.raises(ValidationError):
        RegionGuide(item=no_limit, region_id="440000", promised_days=21).full_clean()
    RegionGuide(item=marriage, region_id="440000", promised_days=0).full_clean()


def test_the_admin_refuses_a_promised_limit_above_the_statutory_one_and_saves_nothing(admin_client):
    item = ServiceItem.objects.get(code="KS-3-003")
    form = guide_form(item, "440000", promised_days="5")
    response = admin_client.post(f"{GUIDES}/add/", form)
    assert response.status_code == 200
    assert "promised_days" in response.context["adminform"].form.errors
    assert not RegionGuide.objects.exists()


def test_a_region_guide_has_no_standard_element_to_change():
    names = {field.name for field in RegionGuide._meta.get_fields()}
    standard = {"standard_code", "legal_basis", "item_type", "handling_level", "name", "scenario", "modes"}
    assert not names & standard


def test_the_admin_shows_the_items_standard_elements_read_only_and_ignores_them_if_posted(admin_client):
    item = ServiceItem.objects.get(code="KS-1-016")
    guide = make_guide("KS-1-016", "440300")
    change = admin_client.get(f"{GUIDES}/{guide.pk}/change/")
    html = change.content.decode()
    assert item.legal_basis in html
    assert 'name="legal_basis"' not in html and 'name="item"' not in html  # read-only on change
    other = ServiceItem.objects.get(code="KS-1-001")
    form = guide_form(item, "440300", fees="十元") | {"legal_basis": "伪造的依据", "item": str(other.pk)}
    response = admin_client.post(f"{GUIDES}/{guide.pk}/change/", form)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    guide.refresh_from_db()
    item.refresh_from_db()
    assert (guide.fees, guide.item.code) == ("十元", "KS-1-016")
    assert item.legal_basis != "伪造的依据"


def test_the_admin_refuses_a_window_outside_the_guides_region(admin_client, guides):
    form = guide_form(ServiceItem.objects.get(code="KS-1-007"), "440000", windows=[guides["jinjiang"].pk])
    response = admin_client.post(f"{GUIDES}/add/", form)
    assert response.status_code == 200
    assert "锦江专窗" in str(response.context["adminform"].form.errors["windows"])
    assert not RegionGuide.objects.filter(item__code="KS-1-007").exists()


def guide_form(item, region, windows=(), **values) -> dict:
    data = {
        "item": str(item.pk),
        "region": region,
        "status": "published",
        "windows": [str(pk) for pk in windows],
        "materials-TOTAL_FORMS": "0",
        "materials-INITIAL_FORMS": "0",
        "materials-MIN_NUM_FORMS": "0",
        "materials-MAX_NUM_FORMS": "1000",
    }
    for name in (
        "conditions",
        "fees",
        "promised_days",
        "delivery_note",
        "handling_offices",
        "contact",
        "source",
    ):
        data[name] = ""
    return data | values


# --- History ---------------------------------------------------------------------------------------


def test_an_admins_edit_is_recorded_in_the_guides_history_with_its_windows_and_materials(
    admin_client, admin_user, guides
):
    guide = guides["city"]
    before = guide.history.count()
    materials = list(guide.materials.order_by("position"))
    form = guide_form(
        guide.item,
        "440300",
        windows=[guides["nanshan"].pk, make_window("深圳第二专窗", "440306").pk],
        fees="五元",
        promised_days="2",
    ) | {"materials-TOTAL_FORMS": str(len(materials)), "materials-INITIAL_FORMS": str(len(materials))}
    for index, material in enumerate(materials):
        name = "居民身份证或户口簿" if index == 0 else material.name
        form |= {
            f"materials-{index}-id": str(material.pk),
            f"materials-{index}-guide": str(guide.pk),
            f"materials-{index}-position": str(material.position),
            f"materials-{index}-name": name,
            f"materials-{index}-form": material.form,
            f"materials-{index}-copies": str(material.copies),
            f"materials-{index}-required": "on",
        }
    response = admin_client.post(f"{GUIDES}/{guide.pk}/change/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    latest = guide.history.order_by("-history_id").first()
    assert guide.history.count() > before and latest.history_user == admin_user
    assert {row.servicewindow.name for row in latest.windows.all()} == {"南山专窗", "深圳第二专窗"}
    assert materials[0].history.order_by("-history_id").first().history_user == admin_user

    history = admin_client.get(f"{GUIDES}/{guide.pk}/history/")
    assert history.status_code == 200
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", history.content.decode(), flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    assert "五元" in text and "深圳第二专窗" in text and "居民身份证或户口簿" in text
    assert "None" not in text


def test_the_admin_pages_of_guides_and_windows_open_for_a_catalogue_admin(admin_client, guides):
    for url in (
        f"{GUIDES}/",
        f"{GUIDES}/add/",
        f"{GUIDES}/{guides['city'].pk}/change/",
        f"{GUIDES}/import/",
        f"{GUIDES}/export/",
        f"{WINDOWS}/",
        f"{WINDOWS}/add/",
        f"{WINDOWS}/{guides['nanshan'].pk}/change/",
        f"{WINDOWS}/{guides['nanshan'].pk}/history/",
        f"{WINDOWS}/import/",
    ):
        assert admin_client.get(url).status_code == 200, url


# --- The windows ----------------------------------------------------------------------------------


def test_the_windows_page_lists_every_window_by_province_and_city(guides):
    make_window("长沙专窗", "430102")
    response = page("/windows/")
    html = response.content.decode()
    assert [w.name for w in response.context["windows"]] == ["长沙专窗", "南山专窗", "锦江专窗"]
    for text in (
        "<h2>湖南省</h2>",
        "<h2>广东省</h2>",
        "<h2>四川省</h2>",
        "深圳市",
        "成都市",
        "南山专窗的地址",
    ):
        assert text in html, text
    assert html.index("湖南省") < html.index("广东省") < html.index("四川省")
    # A window lists the items its region guides name, linking to the guide of its region.
    assert 'href="/items/KS-2-001/?region=440305"' in html


@pytest.mark.parametrize(
    ("region", "names"),
    [
        ("440000", ["南山专窗"]),
        ("440300", ["南山专窗"]),
        ("４４０３００", ["南山专窗"]),  # full-width digits, as typed on a phone
        ("440306", []),
        ("510000", ["锦江专窗"]),
    ],
)
def test_the_windows_page_filters_by_region_and_the_regions_under_it(guides, region, names):
    response = page(f"/windows/?region={region}")
    assert [w.name for w in response.context["windows"]] == names
    chosen = unicodedata.normalize("NFKC", region)
    assert f'value="{chosen}" selected' in response.content.decode() or not names


def test_the_windows_page_and_a_region_guide_set_no_cookie_for_anonymous_readers(guides):
    for url in ("/windows/", "/windows/?region=440000", "/items/KS-2-001/?region=440305"):
        response = Client().get(url)
        assert response.status_code == 200 and not response.cookies, url


def test_a_bad_region_on_the_windows_page_lists_all_with_a_message(guides):
    response = page("/windows/?region=zz")
    assert len(response.context["windows"]) == 2
    message = "There is no region with the code “%(code)s”. All windows are shown."
    assert zh(message, code="zz") in response.content.decode()


def test_a_window_may_name_the_portals_hall_of_its_own_region_only():
    hall = Office.objects.create(code="t-hall", name="测试大厅", kind="hall", region_id="440305")
    ServiceWindow(name="甲", region_id="440305", address="a", hours="h", office=hall).full_clean()
    with pytest.raises(ValidationError):
        ServiceWindow(name="乙", region_id="440300", address="a", hours="h", office=hall).full_clean()


# --- API --------------------------------------------------------------------------------------------


def test_the_api_lists_an_items_region_guides_and_the_one_that_applies_in_a_region(api, guides):
    every = api.get("/api/v1/items/KS-2-001/guides/").json()
    assert [g["region"]["code"] for g in every] == ["440000", "440300"]
    city = every[1]
    assert [m["name"] for m in city["materials"]] == ["居民身份证", "深圳申请表"]
    assert [w["name"] for w in city["windows"]] == ["南山专窗"]
    assert city["handling_offices"] == ["深圳市公安局南山分局", "各派出所户籍窗口"]
    assert (city["promised_days"], city["fees"]) == (3, "深圳不收费")
    assert every[0]["fees"] is None and every[0]["conditions"] is None  # the national guide's apply
    for key in ("legal_basis", "item_type", "handling_level", "standard_code"):
        assert key not in city
    county = api.get("/api/v1/items/KS-2-001/guides/?region=440305").json()
    assert [g["region"]["code"] for g in county] == ["440300"]
    assert api.get("/api/v1/items/KS-2-001/guides/?region=510104").json() == []


def test_the_api_refuses_a_bad_region_and_hides_drafts(api, guides):
    refused = api.get("/api/v1/items/KS-2-001/guides/?region=12x")
    assert refused.status_code == 400 and "region" in refused.json()
    assert api.get("/api/v1/items/KS-9-999/guides/").status_code == 404
    RegionGuide.objects.filter(pk=guides["city"].pk).update(status="draft")
    assert [g["region"]["code"] for g in api.get("/api/v1/items/KS-2-001/guides/").json()] == ["440000"]


def test_the_api_lists_windows_by_region_and_by_item(api, guides):
    everything = api.get("/api/v1/windows/").json()
    assert everything["count"] == 2
    nanshan = next(w for w in everything["results"] if w["name"] == "南山专窗")
    assert nanshan["items"] == ["KS-2-001"] and nanshan["region"]["code"] == "440305"
    assert [w["name"] for w in api.get("/api/v1/windows/?region=510000").json()["results"]] == ["锦江专窗"]
    assert [w["name"] for w in api.get("/api/v1/windows/?item=KS-2-001").json()["results"]] == ["南山专窗"]
    assert api.get("/api/v1/windows/?region=1").status_code == 400
    assert api.get("/api/v1/windows/?item=KS-0-000").status_code == 400


# --- Demo data --------------------------------------------------------------------------------------


def test_demo_guides_and_windows_come_with_demo_only_once_and_say_they_are_demo():
    call_command("setup_portal", stdout=io.StringIO())
    assert not RegionGuide.objects.exists() and not ServiceWindow.objects.exists()

    call_command("setup_portal", "--demo", stdout=io.StringIO())
    guides = RegionGuide.objects.select_related("item")
    assert {"KS-2-001", "KS-2-002", "KS-1-007"} <= {g.item.code for g in guides}
    assert len({g.item_id for g in guides}) >= 5
    assert {g.region_id[:2] for g in guides} == {"44", "51", "43"}
    assert all(g.is_demo and g.status == "published" and g.materials.exists() for g in guides)
    windows = ServiceWindow.objects.all()
    assert windows and all(w.is_demo and "演示" in w.name and "演示" in w.address for w in windows)
    assert {w.office.code for w in windows if w.office} == {"demo-gd-nanshan-hall", "demo-hn-furong-hall"}
    assert all("演示" in m.note for m in RegionMaterial.objects.all())
    counts = (RegionGuide.history.count(), RegionMaterial.objects.count(), ServiceWindow.history.count())

    call_command("setup_portal", "--demo", stdout=io.StringIO())
    assert (
        RegionGuide.history.count(),
        RegionMaterial.objects.count(),
        ServiceWindow.history.count(),
    ) == counts

    html = article(page("/items/KS-2-002/?region=440305"))  # the demo's proxy cases start in 南山
    assert (
        zh("Demo data") in html
        and "（演示）" in html
        and "深圳市南山区政务服务中心跨省通办专窗（演示）" in html
    )


# --- Import and export ------------------------------------------------------------------------------

GUIDE_FORMATS = {fmt: str(index) for index, fmt in enumerate(RegionGuideAdmin.export_formats)}
WINDOW_FORMATS = {fmt: str(index) for index, fmt in enumerate(ServiceWindowAdmin.export_formats)}
GUIDE_COLUMNS = {f"regionguideresource_{name}": "on" for name in RegionGuideResource().get_export_order()}
WINDOW_COLUMNS = {
    f"servicewindowresource_{name}": "on" for name in ServiceWindowResource().get_export_order()
}


def export(client, admin: str, fmt: str, columns: dict) -> bytes:
    response = client.post(f"{admin}/export/", {"format": fmt, "resource": "0", **columns})
    assert response.status_code == 200, response.content[:500]
    return response.content


def preview(client, admin: str, content: bytes, name: str):
    upload = io.BytesIO(content)
    upload.name = name
    response = client.post(f"{admin}/import/", {"import_file": upload, "format": "", "resource": "0"})
    assert response.status_code == 200
    return response


def confirm(client, admin: str, preview_page):
    form = preview_page.context["confirm_form"]
    assert form is not None, [(r.sheet_row, r.problems) for r in preview_page.context["result"].invalid_rows]
    response = client.post(
        f"{admin}/process_import/", {name: form[name].value() for name in form.fields}, follow=True
    )
    assert response.status_code == 200
    return response


def counts(preview_page) -> tuple[int, int, int]:
    totals = preview_page.context["result"].totals
    return totals["new"], totals["update"], totals["skip"]


def histories() -> tuple[int, ...]:
    return RegionGuide.history.count(), RegionMaterial.history.count(), ServiceWindow.history.count()


def csv_text(content: bytes) -> str:
    return content.decode("utf-8-sig")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_unchanged_export_of_the_guides_imports_back_changing_nothing(admin_client, guides, fmt):
    chosen = RegionGuideWorkbook if fmt == "xlsx" else SpreadsheetCSV
    content = export(admin_client, GUIDES, GUIDE_FORMATS[chosen], GUIDE_COLUMNS)
    before = histories()
    check = preview(admin_client, GUIDES, content, f"guides.{fmt}")
    assert counts(check) == (0, 0, 2)
    confirm(admin_client, GUIDES, check)
    assert histories() == before


def test_the_guides_workbook_has_chinese_columns_and_the_materials_on_their_own_sheet(admin_client, guides):
    book = load_workbook(
        io.BytesIO(export(admin_client, GUIDES, GUIDE_FORMATS[RegionGuideWorkbook], GUIDE_COLUMNS))
    )
    assert book.sheetnames == ["地方实施清单", "申请材料"]
    rows = list(book["地方实施清单"].iter_rows(values_only=True))
    assert rows[0][:5] == ("清单编号", "事项代码", "事项名称", "地区代码", "地区名称")
    city = dict(zip(rows[0], rows[2], strict=True))
    assert (
        city["清单编号"] == "KS-2-001/440300" and city["状态"] == "已发布" and city["受理窗口"] == "南山专窗"
    )
    assert city["承诺办结时限（工作日）"] == 3 and city["演示数据"] == "否"
    materials = list(book["申请材料"].iter_rows(values_only=True))
    assert materials[0][:3] == ("清单编号", "材料序号", "材料名称")
    assert [m[:3] for m in materials[1:]] == [
        ("KS-2-001/440000", 1, "广东申请表"),
        ("KS-2-001/440300", 1, "居民身份证"),
        ("KS-2-001/440300", 2, "深圳申请表"),
    ]


def test_an_imported_row_for_a_new_region_creates_the_guide_with_materials_and_windows(admin_client, guides):
    content = export(admin_client, GUIDES, GUIDE_FORMATS[RegionGuideWorkbook], GUIDE_COLUMNS)
    book = load_workbook(io.BytesIO(content))
    sheet = book["地方实施清单"]
    headers = [cell.value for cell in sheet[1]]
    new = dict.fromkeys(headers, None) | {
        "清单编号": "KS-2-001/510000",
        "事项代码": "KS-2-001",
        "地区代码": "510000",
        "状态": "已发布",
        "承诺办结时限（工作日）": 2,
        "受理窗口": "锦江专窗",
        "办理机构": "四川省公安厅",
        "演示数据": "否",
    }
    sheet.append([new[h] for h in headers])
    book["申请材料"].append(["KS-2-001/510000", 1, "居民身份证", "纸质", "原件", 1, "必要", "公安机关", ""])
    book["申请材料"].append(["KS-2-001/510000", 2, "四川申请表"])
    buffer = io.BytesIO()
    book.save(buffer)
    check = preview(admin_client, GUIDES, buffer.getvalue(), "guides.xlsx")
    assert counts(check) == (1, 0, 2)
    confirm(admin_client, GUIDES, check)
    created = RegionGuide.objects.get(item__code="KS-2-001", region_id="510000")
    assert (created.promised_days, created.handling_offices) == (2, "四川省公安厅")
    assert [w.name for w in created.windows.all()] == ["锦江专窗"]
    assert [(m.name, m.form, m.original_required) for m in created.materials.order_by("position")] == [
        ("居民身份证", "paper", True),
        ("四川申请表", "either", False),
    ]
    assert created.history.last().history_change_reason == zh("Imported from %(file)s", file="guides.xlsx")
    # The guide page shows it at once.
    assert "四川申请表" in article(page("/items/KS-2-001/?region=510104"))


def test_an_import_that_breaks_a_rule_writes_nothing_and_names_row_and_column(admin_client, guides):
    content = csv_text(export(admin_client, GUIDES, GUIDE_FORMATS[SpreadsheetCSV], GUIDE_COLUMNS))
    lines = content.splitlines()
    header = lines[0].split(",")
    row = "KS-3-003/440000,KS-3-003,,440000,,已发布,,,,5,,,锦江专窗,,,否"  # 即办 item, 成都 window
    mismatched = "KS-1-001/440000,KS-2-001,,510000,,草稿,,,,,,,,,,否"
    assert len(row.split(",")) == len(header)
    before = histories()
    check = preview(admin_client, GUIDES, ("\n".join([*lines, row, mismatched]) + "\n").encode(), "g.csv")
    assert check.context.get("confirm_form") is None
    problems = {r.sheet_row: {p.column for p in r.problems} for r in check.context["result"].invalid_rows}
    assert problems == {4: {"承诺办结时限（工作日）", "受理窗口"}, 5: {"清单编号"}}
    assert histories() == before


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_windows_round_trip_unchanged_and_a_new_row_creates_a_window(admin_client, guides, fmt):
    chosen = WindowWorkbook if fmt == "xlsx" else SpreadsheetCSV
    content = export(admin_client, WINDOWS, WINDOW_FORMATS[chosen], WINDOW_COLUMNS)
    check = preview(admin_client, WINDOWS, content, f"windows.{fmt}")
    assert counts(check) == (0, 0, 2)
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(content))
        assert book.sheetnames == ["跨省通办窗口"]
        sheet = book.active
        assert [c.value for c in sheet[1]][:3] == ["窗口名称", "地区代码", "地区名称"]
        sheet.append(["长沙专窗", "430102", None, "长沙市芙蓉区某路1号", "周一至周五", None, None, "是"])
        buffer = io.BytesIO()
        book.save(buffer)
        content = buffer.getvalue()
    else:
        content = (csv_text(content) + "长沙专窗,430102,,长沙市芙蓉区某路1号,周一至周五,,,是\r\n").encode()
    check = preview(admin_client, WINDOWS, content, f"windows.{fmt}")
    assert counts(check) == (1, 0, 2)
    confirm(admin_client, WINDOWS, check)
    created = ServiceWindow.objects.get(name="长沙专窗")
    assert (created.region_id, created.phone, created.office, created.is_demo) == ("430102", "", None, True)
    assert Region.objects.get(code="430102") == created.region
