"""Window clerks' pages: the start page of the hall, 收件 (receiving paper, in two steps, with the
materials checklist), the 受理回执 and the 移交单."""

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases import roles
from cases.models import Case, Material
from catalogue.models import MaterialRequirement, ServiceItem
from tests.builders import PERSON, PROXY_ITEM, act, register, set_status
from tests.cases.conftest import office, staff

START_PAGE_QUERIES = (
    5  # session, user, staff profile (with its office, read once for the header too), the four lists'
    # ids, their rows
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def checklist(db):
    """The materials list of 户籍类证明 for these tests: two required, one not."""
    item = ServiceItem.objects.get(code=PROXY_ITEM)
    item.materials.all().delete()
    rows = [
        ("居民身份证", True, True),
        ("户口簿", True, False),
        ("委托书", False, False),
    ]
    created = [
        MaterialRequirement.objects.create(
            item=item, position=n, name=name, required=required, original_required=original
        )
        for n, (name, required, original) in enumerate(rows)
    ]
    return dict(zip(("id_card", "hukou", "mandate"), created, strict=True))


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def pdf(name: str = "身份证.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def receive_form(offices, checklist, **extra) -> dict:
    """What a clerk types for a paper submission of 户籍类证明 for 成都 at the 南山 hall: both required
    materials received, the ID card's original seen and a copy kept, the hukou's original mailed."""
    return {
        "idempotency_key": str(uuid.uuid4()),
        "item": PROXY_ITEM,
        **{field: PERSON[field] for field in ("kind", "name", "id_type", "id_number", "phone", "address")},
        "handling_office": offices["dept_b"].code,
        **(
            {
                "present": [str(checklist["id_card"].pk), str(checklist["hukou"].pk)],
                "original_seen": [str(checklist["id_card"].pk)],
                "copy_kept": [str(checklist["id_card"].pk)],
                "original_on_paper": [str(checklist["hukou"].pk)],
            }
            if checklist
            else {}
        ),
        "other_materials": "结婚证复印件",
        "delivery_method": "window",
        **extra,
    }


def counts() -> tuple[int, int]:
    return Case.objects.count(), Material.objects.count()


def stored_files(settings) -> list:
    return [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()] if settings.MEDIA_ROOT.exists() else []


# --- 收件: step 1, the item ----------------------------------------------------------------------


def test_step_one_chooses_the_item_and_step_two_is_that_items_form(window_clerk, offices, checklist):
    client = client_for(window_clerk)
    first = client.get("/clerk/receive/")
    page = first.content.decode()
    assert first.status_code == 200
    assert '<select name="item"' in page and f'value="{PROXY_ITEM}"' in page
    assert 'name="present"' not in page  # no checklist before the item is known

    second = client.get(f"/clerk/receive/?item={PROXY_ITEM}").content.decode()
    assert "开具户籍类证明" in second
    assert f'<input type="hidden" name="item" value="{PROXY_ITEM}"' in second
    assert 'href="/clerk/receive/">Choose another item</a>' in second
    for requirement in checklist.values():
        assert (
            f'<span class="of">{requirement.name}</span> <span class="state">Handed in (已收取)</span>'
            in second
        )
    assert second.count('<span class="req-tag">Required (必要)</span>') == 2


def test_step_one_finds_items_by_name(window_clerk, offices):
    page = client_for(window_clerk).get("/clerk/receive/", {"q": "户籍"}).content.decode()
    assert f'value="{PROXY_ITEM}"' in page
    assert 'value="KS-2-021"' not in page  # 社会保障卡申领: not a match


@pytest.mark.parametrize("problem", ["unknown", "draft", "not_proxy", "empty"])
def test_an_item_that_cannot_be_received_shows_step_one_with_an_error(window_clerk, offices, problem):
    code = {"unknown": "KS-9-999", "draft": PROXY_ITEM, "not_proxy": "KS-1-007", "empty": ""}[problem]
    if problem == "draft":
        set_status(PROXY_ITEM, ServiceItem.Status.DRAFT)
    response = client_for(window_clerk).get("/clerk/receive/", {"item": code})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_item_error"' in page and "error-summary" in page
    assert 'name="present"' not in page


def test_a_posted_form_for_an_item_that_cannot_be_received_writes_nothing(window_clerk, offices, checklist):
    form = receive_form(offices, checklist, item="KS-1-007")
    response = client_for(window_clerk).post("/clerk/receive/", form)
    assert response.status_code == 400
    assert 'id="id_item_error"' in response.content.decode()
    assert counts() == (0, 0)


def test_a_posted_form_without_an_item_goes_back_to_step_one(window_clerk, offices, checklist):
    form = receive_form(offices, checklist)
    del form["item"]
    response = client_for(window_clerk).post("/clerk/receive/", form)
    assert response.status_code == 400
    assert 'id="id_item_error"' in response.content.decode()
    assert counts() == (0, 0)


def test_an_item_without_a_materials_list_is_received_with_what_was_typed(window_clerk, offices):
    ServiceItem.objects.get(code=PROXY_ITEM).materials.all().delete()
    client = client_for(window_clerk)
    assert "The item lists no materials" in client.get(f"/clerk/receive/?item={PROXY_ITEM}").content.decode()
    form = receive_form(offices, {}, present=[], original_seen=[], copy_kept=[], original_on_paper=[])

    response = client.post("/clerk/receive/", {**form, "other_materials": "户口簿\n居民身份证"})

    assert response.status_code == 302
    assert list(Material.objects.values_list("name", flat=True)) == ["户口簿", "居民身份证"]


def test_the_form_offers_only_the_offices_on_the_items_department_line(window_clerk, offices, checklist):
    page = client_for(window_clerk).get(f"/clerk/receive/?item={PROXY_ITEM}").content.decode()
    assert offices["dept_b"].code in page
    assert offices["dept_c"].code not in page  # another department line
    assert offices["dept_x"].code in page  # 杭州公安: another region, same line
    assert offices["dept_a"].code not in page


# --- 收件: step 2, filing ------------------------------------------------------------------------


def test_the_clerk_registers_a_paper_submission_and_lands_on_the_receipt(window_clerk, offices, checklist):
    client = client_for(window_clerk)

    response = client.post("/clerk/receive/", receive_form(offices, checklist), follow=True)

    case = Case.objects.get()
    assert case.mode == "proxy"
    assert case.receiving_office == offices["hall_a"]
    assert case.handling_office == offices["dept_b"]
    assert response.redirect_chain[-1][0] == f"/clerk/cases/{case.number}/receipt/"
    page = response.content.decode()
    assert case.number in page
    svg = re.search(r"<svg[^>]*class=\"segno\".*?</svg>", page, re.S)
    assert svg and "style=" not in svg.group(0)  # inline markup, nothing the CSP would block
    assert "张**" in page
    assert PERSON["id_number"] not in page
    assert offices["dept_b"].name in page


def test_the_four_states_of_each_row_are_stored(window_clerk, offices, checklist):
    client_for(window_clerk).post("/clerk/receive/", receive_form(offices, checklist))

    stored = {
        m.name: (m.requirement_id, m.original_seen, m.copy_kept, m.original_on_paper, m.trust_level)
        for m in Material.objects.all()
    }
    assert stored == {
        "居民身份证": (checklist["id_card"].pk, True, True, False, "C"),
        "户口簿": (checklist["hukou"].pk, False, False, True, "C"),
        "结婚证复印件": (None, False, False, False, "D"),  # a copy nobody checked: no more than D
    }  # the optional 委托书 was not handed in


def test_a_mark_without_the_received_tick_means_received(window_clerk, offices, checklist):
    form = receive_form(offices, checklist, present=[str(checklist["id_card"].pk)])  # 户口簿 only mailed

    response = client_for(window_clerk).post("/clerk/receive/", form)

    assert response.status_code == 302
    hukou = Material.objects.get(requirement=checklist["hukou"])
    assert (hukou.original_on_paper, hukou.original_seen) == (True, False)


def test_missing_required_materials_are_all_told_at_once_and_what_was_typed_is_kept(
    window_clerk, offices, checklist
):
    form = receive_form(
        offices,
        checklist,
        present=[str(checklist["mandate"].pk)],
        original_seen=[],
        copy_kept=[str(checklist["mandate"].pk)],
        original_on_paper=[],
        address="红星路九号",
    )

    response = client_for(window_clerk).post("/clerk/receive/", form)

    page = response.content.decode()
    assert response.status_code == 400
    errors = response.context["form"].errors["present"]
    assert len(errors) == 1 and "居民身份证、户口簿" in errors[0]
    assert 'id="id_present_error"' in page and "error-summary" in page
    assert 'value="红星路九号"' in page and f'value="{PERSON["name"]}"' in page
    mandate = str(checklist["mandate"].pk)
    ticked = re.findall(r'<input type="checkbox" name="(\w+)" value="(\d+)"[^>]*checked', page)
    assert sorted(ticked) == [("copy_kept", mandate), ("present", mandate)]
    assert counts() == (0, 0)


def test_the_serializer_and_the_form_tell_the_missing_materials_together_with_a_bad_id(
    window_clerk, offices, checklist
):
    form = receive_form(offices, checklist, id_number="110105194912310021", present=[], original_on_paper=[])
    form.update(original_seen=[], copy_kept=[])

    errors = client_for(window_clerk).post("/clerk/receive/", form).context["form"].errors

    assert set(errors) == {"id_number", "present"}


def test_a_scan_is_stored_with_trust_c_on_its_row(window_clerk, offices, checklist):
    form = receive_form(offices, checklist, **{f"scan_{checklist['hukou'].pk}": pdf("户口簿.pdf")})
    form["present"] = [str(checklist["id_card"].pk)]  # the scan says the 户口簿 was received

    response = client_for(window_clerk).post("/clerk/receive/", form)

    assert response.status_code == 302
    hukou = Material.objects.get(requirement=checklist["hukou"])
    assert (hukou.name, hukou.trust_level, hukou.uploaded_by, hukou.original_on_paper) == (
        "户口簿",
        "C",
        window_clerk,
        True,
    )
    assert hukou.content_type == "application/pdf" and hukou.file
    assert Material.objects.filter(requirement=checklist["hukou"]).count() == 1  # one row, with its scan


@pytest.mark.parametrize("problem", ["wrong_type", "too_big"])
def test_a_bad_scan_is_told_beside_its_row_and_nothing_is_written(
    window_clerk, offices, checklist, settings, problem
):
    if problem == "too_big":
        settings.MATERIAL_MAX_BYTES = len(PDF) - 1
        scan = pdf("户口簿.pdf")
    else:
        scan = pdf("户口簿.pdf", b"just text, not a PDF")
    field = f"scan_{checklist['hukou'].pk}"

    response = client_for(window_clerk).post(
        "/clerk/receive/", receive_form(offices, checklist, note="请尽快", **{field: scan})
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    assert f'id="id_{field}_error"' in page
    assert "Choose the file again" in page  # beside the field: the browser dropped the file
    assert "请尽快" in page
    assert counts() == (0, 0)
    assert stored_files(settings) == []


def test_a_scan_refused_while_filing_rolls_the_whole_filing_back(
    window_clerk, offices, checklist, monkeypatch, settings
):
    # Only the service's own check stands between this scan and the case.
    monkeypatch.setattr("cases.forms.clerk.check_file", lambda upload, **kw: [])
    form = receive_form(
        offices,
        checklist,
        **{
            f"scan_{checklist['id_card'].pk}": pdf("身份证.pdf"),
            f"scan_{checklist['hukou'].pk}": pdf("户口簿.pdf", b"not a PDF at all"),
        },
    )

    response = client_for(window_clerk).post("/clerk/receive/", form)

    assert response.status_code == 400
    assert f"scan_{checklist['hukou'].pk}" in response.context["form"].errors
    assert counts() == (0, 0)
    assert stored_files(settings) == []  # the scan saved before the refused one is gone too


def test_the_same_form_sent_twice_files_one_case(window_clerk, offices, checklist):
    client = client_for(window_clerk)
    form = receive_form(offices, checklist)
    client.post("/clerk/receive/", form)
    client.post("/clerk/receive/", form)
    assert counts() == (1, 3)


def test_full_width_digits_of_the_id_number_are_accepted(window_clerk, offices, checklist):
    full_width = PERSON["id_number"].translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    response = client_for(window_clerk).post(
        "/clerk/receive/", receive_form(offices, checklist, id_number=full_width)
    )
    assert response.status_code == 302
    assert Case.objects.get().applicant.id_number == PERSON["id_number"]


def test_a_bad_id_number_is_told_beside_the_field_and_what_was_typed_is_kept(
    window_clerk, offices, checklist
):
    response = client_for(window_clerk).post(
        "/clerk/receive/",
        receive_form(offices, checklist, id_number="110105194912310021", address="红星路九号"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_id_number_error"' in page
    assert 'value="110105194912310021"' in page
    assert 'value="红星路九号"' in page
    assert "error-summary" in page
    assert not Case.objects.exists()


def test_a_handling_office_in_the_clerks_own_region_is_refused(window_clerk, offices, checklist):
    same_region = office("gd-nanshan-mps", "深圳市公安局南山分局", "department", "440305", "MPS")
    response = client_for(window_clerk).post(
        "/clerk/receive/", receive_form(offices, checklist, handling_office=same_region.code)
    )
    assert response.status_code == 400
    assert 'id="id_handling_office_error"' in response.content.decode()
    assert not Case.objects.exists()


def test_delivery_by_post_needs_the_address(window_clerk, offices, checklist):
    response = client_for(window_clerk).post(
        "/clerk/receive/", receive_form(offices, checklist, delivery_method="post")
    )
    assert response.status_code == 400
    assert 'id="id_delivery_address_error"' in response.content.decode()
    assert not Case.objects.exists()


def test_an_overlong_line_of_other_materials_is_told_beside_that_field(window_clerk, offices, checklist):
    response = client_for(window_clerk).post(
        "/clerk/receive/", receive_form(offices, checklist, other_materials="证明" * 101)
    )
    assert response.status_code == 400
    assert "other_materials" in response.context["form"].errors
    assert not Case.objects.exists()


# --- The receipt ---------------------------------------------------------------------------------


def test_the_receipt_lists_each_row_with_its_states(window_clerk, offices, checklist):
    form = receive_form(offices, checklist, **{f"scan_{checklist['hukou'].pk}": pdf("户口簿.pdf")})
    client = client_for(window_clerk)
    client.post("/clerk/receive/", form)
    case = Case.objects.get()

    page = client.get(f"/clerk/cases/{case.number}/receipt/").content.decode()

    rows = re.findall(r'<tr>\s*<th scope="row">(.*?)</th>(.*?)</tr>', page, re.S)
    states = [(name, re.findall(r"visually-hidden\">(yes|no)<", cells)) for name, cells in rows]
    assert states == [
        # received, original seen, copy kept, original mailed, scan
        ("1. 居民身份证", ["yes", "yes", "yes", "no", "no"]),
        ("2. 户口簿", ["yes", "no", "no", "yes", "yes"]),
        ("3. 结婚证复印件", ["yes", "no", "no", "no", "no"]),
    ]


def test_another_halls_clerk_and_an_officer_do_not_see_the_receipt(window_clerk, handling_officer, offices):
    case = register(window_clerk, "proxy", offices)
    other_hall = office("hn-furong-hall", "长沙市芙蓉区政务服务中心", "hall", "430102")
    other_clerk = staff("clerk_c", other_hall, roles.WINDOW_CLERK)
    assert client_for(window_clerk).get(f"/clerk/cases/{case.number}/receipt/").status_code == 200
    assert client_for(other_clerk).get(f"/clerk/cases/{case.number}/receipt/").status_code == 404
    assert client_for(handling_officer).get(f"/clerk/cases/{case.number}/receipt/").status_code == 404
    assert case.number not in client_for(other_clerk).get("/clerk/").content.decode()


# --- The transfer sheet --------------------------------------------------------------------------


def shipped_case(window_clerk, offices, checklist) -> Case:
    client_for(window_clerk).post("/clerk/receive/", receive_form(offices, checklist))
    case = Case.objects.get()
    for action in ("pass_formal_review", "check_identity", "transfer"):
        case = act(window_clerk, case, action)
    return act(window_clerk, case, "ship_materials", carrier="EMS", tracking_number="EMS1000000001CN")


def test_the_transfer_sheet_lists_the_shipment_and_what_is_in_the_parcel(window_clerk, offices, checklist):
    case = shipped_case(window_clerk, offices, checklist)

    response = client_for(window_clerk).get(f"/clerk/cases/{case.number}/transfer-sheet/")

    page = response.content.decode()
    assert response.status_code == 200
    assert case.number in page and "开具户籍类证明" in page
    assert "EMS1000000001CN" in page and "clerk_a" in page
    assert "张**" in page and PERSON["id_number"] not in page
    assert "广东省 深圳市 南山区" in page and "四川省 成都市 锦江区" in page
    originals = page.split('id="originals-title"')[1].split('id="copies-title"')[0]
    copies = page.split('id="copies-title"')[1]
    assert "户口簿" in originals and "居民身份证" not in originals
    assert "居民身份证" in copies and "结婚证复印件" in copies
    assert "In all: 3 (originals mailed 1, copies and other paper 2)" in page
    for line in ("Handed over by", "Received by", "Date"):
        assert line in page


def test_the_transfer_sheet_prints_before_the_parcel_is_mailed(window_clerk, offices, checklist):
    client_for(window_clerk).post("/clerk/receive/", receive_form(offices, checklist))
    number = Case.objects.get().number

    page = client_for(window_clerk).get(f"/clerk/cases/{number}/transfer-sheet/").content.decode()

    assert "Not mailed yet" in page


def test_the_transfer_sheet_is_only_for_the_receiving_halls_clerks(
    window_clerk, handling_officer, offices, checklist
):
    case = shipped_case(window_clerk, offices, checklist)
    other_clerk = staff(
        "clerk_c", office("hn-furong-hall", "长沙市芙蓉区政务服务中心", "hall", "430102"), "window_clerk"
    )
    url = f"/clerk/cases/{case.number}/transfer-sheet/"
    assert client_for(other_clerk).get(url).status_code == 404
    assert client_for(handling_officer).get(url).status_code == 404  # it sees the case, not the hall's sheet


def test_the_case_page_links_the_transfer_sheet_while_the_originals_may_be_mailed(
    window_clerk, handling_officer, offices, checklist
):
    client_for(window_clerk).post("/clerk/receive/", receive_form(offices, checklist))
    case = Case.objects.get()
    sheet = f'href="/clerk/cases/{case.number}/transfer-sheet/"'
    assert sheet not in client_for(window_clerk).get(f"/cases/{case.number}/").content.decode()  # not yet
    for action in ("pass_formal_review", "check_identity", "transfer"):
        case = act(window_clerk, case, action)
    page = client_for(window_clerk).get(f"/cases/{case.number}/").content.decode()
    assert sheet in page and "Original mailed (原件寄递)" in page  # the checklist's states, on the case
    assert sheet not in client_for(handling_officer).get(f"/cases/{case.number}/").content.decode()


# --- The start page ------------------------------------------------------------------------------


def test_the_start_page_lists_the_case_received_today_and_waiting(window_clerk, offices):
    case = register(window_clerk, "proxy", offices)
    response = client_for(window_clerk).get("/clerk/")
    assert response.status_code == 200
    page = response.content.decode()
    # Received today, and waiting for its formal review: in both lists, each row opening the case page.
    assert page.count(f'href="/cases/{case.number}/"') == 2
    assert PERSON["name"] not in page


def test_the_start_page_says_which_originals_are_still_to_mail_and_links_the_sheet(window_clerk, offices):
    case = register(window_clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity", "transfer"):
        case = act(window_clerk, case, action)
    sheet = f'href="/clerk/cases/{case.number}/transfer-sheet/"'

    waiting = client_for(window_clerk).get("/clerk/").content.decode()
    assert waiting.count("Originals to mail") == 2  # received today, and waiting for the window
    assert waiting.count(sheet) == 2

    act(window_clerk, case, "ship_materials", carrier="EMS", tracking_number="EMS1000000001CN")
    shipped = client_for(window_clerk).get("/clerk/").content.decode()
    assert "Originals to mail" not in shipped
    assert shipped.count(sheet) == 1  # only received today now: no longer waiting for the window


def test_the_start_page_makes_the_same_number_of_queries_for_one_case_or_many(window_clerk, offices):
    client = client_for(window_clerk)
    register(window_clerk, "proxy", offices)
    with CaptureQueriesContext(connection) as one:
        client.get("/clerk/")
    for n in range(3):
        case = register(window_clerk, "proxy", offices)
        for action in ("pass_formal_review", "check_identity", "transfer"):
            case = act(window_clerk, case, action)
        if n:
            act(window_clerk, case, "ship_materials", carrier="EMS", tracking_number=f"EMS100000000{n}CN")
    with CaptureQueriesContext(connection) as four:
        client.get("/clerk/")
    assert len(four) == len(one) == START_PAGE_QUERIES


def test_each_list_of_the_start_page_pages_on_its_own(window_clerk, offices, monkeypatch):
    monkeypatch.setattr("cases.views.clerk.PAGE", 2)
    filed = [register(window_clerk, "proxy", offices).number for _ in range(3)]
    client = client_for(window_clerk)
    first = client.get("/clerk/").content.decode()
    # Received today, newest first; waiting for the window, oldest first: two rows each, then more.
    assert re.findall(r'<td><a href="/cases/([^/]+)/">', first) == [*filed[:0:-1], *filed[:2]]
    assert 'href="?received_today=2#today-title" rel="next"' in first
    assert 'href="?waiting=2#waiting-title" rel="next"' in first
    second = client.get("/clerk/?waiting=2").content.decode()
    assert re.findall(r'<td><a href="/cases/([^/]+)/">', second) == [filed[2], filed[1], filed[2]]
    assert 'href="?waiting=1#waiting-title" rel="prev"' in second
    assert 'href="?waiting=3' not in second
    beyond = client.get("/clerk/?pickup=4").content.decode()
    assert "Nothing more on this page." in beyond and 'href="?pickup=3#pickup-title" rel="prev"' in beyond


def test_a_returned_case_shows_the_reason(window_clerk, handling_officer, offices):
    case = register(window_clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity", "transfer"):
        case = act(window_clerk, case, action)
    case = act(handling_officer, case, "return", reason="户口簿复印件不清晰")
    page = client_for(window_clerk).get("/clerk/").content.decode()
    assert case.status == "returned"
    assert "户口簿复印件不清晰" in page


def test_only_window_clerks_open_the_clerk_pages(handling_officer):
    client = client_for(handling_officer)
    assert client.get("/clerk/").status_code == 403
    assert client.get("/clerk/receive/").status_code == 403


@pytest.mark.parametrize("path", ["/clerk/", "/clerk/receive/"])
def test_the_clerk_pages_ask_for_a_login(client, path):
    assert client.get(path).status_code == 302


def test_the_receipt_masks_the_postal_address_by_the_one_rule(window_clerk, offices):
    address = "广东省深圳市南山区粤海街道科技园路1号"
    case = register(window_clerk, "proxy", offices, delivery_method="post", delivery_address=address)
    page = client_for(window_clerk).get(f"/clerk/cases/{case.number}/receipt/").content.decode()
    assert address not in page and "广东省深圳市****" in page  # reopened any time, never revealed
