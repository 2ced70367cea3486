"""全程网办 in a browser: a person in 广东 registers and applies online to 成都 (四川); the officer
there asks for a missing material at once, the person uploads it, the officer accepts, approves and
delivers online, and the person opens the result from their own space.

The person's pages run on a desktop and on a 375 px phone; the officer works on a desktop.
"""

import re

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.builders import ONLINE_ITEM

from .conftest import (
    PDF,
    Screens,
    attach_required_materials,
    field,
    fits_the_screen,
    handed_over,
    log_in,
    open_action,
    pdf,
)

pytestmark = pytest.mark.usefixtures("reference_data", "media_in_tmp")

PERSON = {"username": "wang_lan", "name": "王兰", "id_number": "440305198807120027", "phone": "13912345678"}
PASSWORD = "Lanhua-2026-kuasheng"
MISSING = "户口簿本人页"


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_person_applies_online_answers_a_correction_and_opens_the_result(
    live_server, open_browser, journey_offices, handling_officer, handoff_worker, viewport
):
    url, dept_b = live_server.url, journey_offices["dept_b"]
    shot = Screens("online", viewport)
    person = open_browser(viewport)
    officer = open_browser()

    # The person registers: real name and ID number, checked as typed.
    person.goto(url + "/register/")
    field(person, "用户名").fill(PERSON["username"])
    field(person, "密码").fill(PASSWORD)
    field(person, "再次输入密码").fill(PASSWORD)
    field(person, "真实姓名").fill(PERSON["name"])
    field(person, "证件号码").fill(PERSON["id_number"])
    field(person, "手机号码").fill(PERSON["phone"])
    shot(person, "register")
    person.get_by_role("button", name="注册并登录").click()
    person.wait_for_url("**/my/")
    expect(person.get_by_role("heading", level=1)).to_have_text("专属空间")
    expect(person.locator("main")).to_contain_text("您还没有办件")
    shot(person, "my-space-empty")

    # From the item's guide, 立即申办.
    person.goto(url + f"/items/{ONLINE_ITEM}/")
    shot(person, "guide")
    person.get_by_role("link", name="立即申办").click()
    person.wait_for_url(f"**/apply/{ONLINE_ITEM}/")
    expect(person.locator("main")).to_contain_text(PERSON["name"])
    field(person, "办理部门（档案所在地）").select_option(label=dept_b.name)
    filed = attach_required_materials(person, ONLINE_ITEM)
    assert fits_the_screen(person)
    shot(person, "apply")
    person.get_by_role("button", name="提交申请").click()
    person.wait_for_url("**/submitted/")
    number = person.locator(".case-number-big strong").inner_text()
    case = Case.objects.get(number=number)
    assert (case.mode, case.status, case.handling_office) == ("online", "submitted", dept_b)
    expect(person.get_by_role("heading", level=1)).to_have_text("申请已提交")
    what_next = person.get_by_role("region", name="接下来")
    expect(what_next).to_contain_text(f"{dept_b.name} · 业务部门经办人")
    expect(what_next).to_contain_text("受理")
    assert fits_the_screen(person)
    shot(person, "submitted")

    # The officer in 成都 finds it among the new arrivals and asks for what is missing, all at once.
    handed_over(number, "submitted", dept_b, handoff_worker)
    log_in(officer, url, "officer_b")
    officer.get_by_role("link", name=re.compile("新到达")).click()
    arrival = officer.get_by_role("row").filter(has_text=number)
    expect(arrival).to_contain_text("网上申请")
    shot(officer, "officer-inbox")
    arrival.get_by_role("link", name=number).click()
    expect(officer.locator(".case-head .status")).to_have_text("已提交")
    for name in filed:
        expect(officer.locator(".case-main")).to_contain_text(name)
    shot(officer, "officer-case-submitted")
    correction = open_action(officer, "一次性告知补正")
    field(correction, "需补正的材料（每行一项，一次性告知）").fill(f"1. {MISSING}")
    correction.get_by_role("button", name=re.compile("^一次性告知补正")).click()
    expect(officer.locator(".messages")).to_contain_text("下一步：申请人（补正后重新提交")
    expect(officer.locator(".case-head .status")).to_have_text("待补正")
    shot(officer, "officer-correction-requested")
    assert Case.objects.get(pk=case.pk).status == "correction_requested"

    # The person hears of it, reads the notice (exactly what is missing) and uploads it.
    person.goto(url + "/my/messages/")
    expect(person.locator(".message").first).to_contain_text("办件状态变更为：待补正")
    shot(person, "messages-correction")
    person.get_by_role("link", name=number).first.click()
    expect(person.locator(".case-head .status")).to_have_text("待补正")
    assert fits_the_screen(person)
    shot(person, "case-correction-requested")
    person.get_by_role("link", name="补正材料通知书").click()
    expect(person.locator("article.paper")).to_contain_text(MISSING)
    shot(person, "correction-notice")
    person.go_back()
    expect(person.locator(".missing-now")).to_contain_text(MISSING)
    upload = open_action(person, "添加材料")
    field(upload, "文件").set_input_files(pdf("户口簿.pdf"))
    field(upload, "名称（默认为文件名）").fill(MISSING)
    upload.get_by_role("button", name="上传").click()
    expect(person.locator(".messages")).to_contain_text("已办理")
    expect(person.locator(".case-main")).to_contain_text(MISSING)
    person.get_by_role("button", name="补正后重新提交").click()
    expect(person.locator(".case-head .status")).to_have_text("已提交")
    expect(person.locator(".messages")).to_contain_text(f"下一步：{dept_b.name}")
    expect(person.locator(".timeline li").last).to_contain_text("补正后重新提交")
    expect(person.locator(".timeline li").last).to_contain_text(PERSON["name"])
    assert case.materials.filter(name=MISSING, kind="material").exists()
    assert fits_the_screen(person)
    shot(person, "case-resubmitted")

    # The officer accepts, reviews, approves and delivers the result online.
    handed_over(number, "resubmitted", dept_b, handoff_worker)
    officer.goto(url + "/officer/?tab=arrivals")
    officer.get_by_role("row").filter(has_text="已补正重新提交").get_by_role("link", name=number).click()
    expect(officer.locator(".case-main")).to_contain_text(MISSING)
    officer.get_by_role("button", name="受理", exact=True).click()
    expect(officer.locator(".case-head .status")).to_have_text("已受理")
    case.refresh_from_db()
    assert case.status == "accepted" and case.promised_due
    due = case.promised_due.isoformat()
    expect(officer.locator(".messages")).to_contain_text(f"期限 {due}")
    expect(officer.locator(".case-main")).to_contain_text(due)
    timeline = officer.locator(".timeline li").filter(has_text="受理")
    expect(timeline.last).to_contain_text(dept_b.name)
    shot(officer, "officer-accepted")
    officer.get_by_role("button", name="开始审查").click()
    expect(officer.locator(".case-head .status")).to_have_text("审查中")
    officer.get_by_role("button", name="准予", exact=True).click()
    expect(officer.locator(".case-head .status")).to_have_text("准予")
    attach = open_action(officer, "上传办理结果")
    field(attach, "办理结果文件（证照、决定书等）").set_input_files(pdf("准予决定书.pdf"))
    attach.get_by_role("button", name="上传").click()
    expect(officer.locator(".messages")).to_contain_text("已办理")
    assert case.materials.filter(kind="result", name="准予决定书.pdf").exists()
    officer.get_by_role("button", name="网上送达结果").click()
    expect(officer.locator(".case-head .status")).to_have_text("结果已网上送达")
    shot(officer, "officer-delivered")
    assert Case.objects.get(pk=case.pk).status == "delivered"

    # The person opens the result from their own space.
    person.goto(url + "/my/")
    card = person.locator(".case-card").filter(has_text=number)
    expect(card).to_contain_text("结果已网上送达")
    expect(card).to_contain_text(due)  # promised by
    assert fits_the_screen(person)
    shot(person, "my-cases-delivered")
    card.get_by_role("link", name=number).click()
    expect(person.locator(".case-head .status")).to_have_text("结果已网上送达")
    shot(person, "case-delivered")
    download = person.locator(".result-now").get_by_role("link", name="下载：准予决定书.pdf")
    answer = person.context.request.get(url + download.get_attribute("href"))
    assert answer.ok and answer.body() == PDF  # the very document the officer attached
    person.locator(".result-now").get_by_role("link", name="办理结果通知书").click()
    result = person.locator("article.paper")
    expect(result).to_contain_text("准予")
    expect(result).to_contain_text(PERSON["name"])
    assert fits_the_screen(person)
    shot(person, "result")
