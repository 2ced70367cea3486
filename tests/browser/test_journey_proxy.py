"""异地代收代办 in a browser: a window clerk in 深圳 (广东) receives paper for 成都 (四川) and prints
the receipt, reviews, checks the identity, transfers and posts the originals; the officer in 成都
signs for it, receives the originals, accepts, decides and posts the result back to the window;
the clerk receives it and records the pickup. The applicant follows the case on 办件查询.

The applicant's page (tracking) runs on a desktop and on a 375 px phone; staff work on desktops.
"""

import re

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.builders import PROXY_ITEM

from .conftest import (
    Screens,
    field,
    fits_the_screen,
    handed_over,
    log_in,
    open_action,
    required_materials,
)

pytestmark = pytest.mark.usefixtures("reference_data", "media_in_tmp")

OTHER = "户口簿（原件）"
WALK_IN = {"name": "黄来办", "id_number": "510104199001010035", "phone": "13900139000"}


def track(page, url: str, number: str, shot, what: str):
    """The applicant looks the case up with its number and the ID's last 4 characters."""
    page.goto(url + "/track/")
    field(page, "办件编号").fill(number)
    field(page, "申请人证件号码后4位").fill(WALK_IN["id_number"][-4:])
    page.get_by_role("button", name="查询").click()
    progress = page.locator(".case-progress")
    expect(progress).to_contain_text(number)
    expect(progress).not_to_contain_text(WALK_IN["name"])
    assert fits_the_screen(page)
    shot(page, what)
    return progress


def act(page, label: str, status: str) -> None:
    """Press the case page's button for an action that needs no input; the case is then `status`."""
    page.get_by_role("button", name=label, exact=True).click()
    expect(page.locator(".case-head .status")).to_have_text(status)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_window_receives_paper_for_another_province_and_hands_out_its_result(
    live_server, open_browser, journey_offices, window_clerk, handling_officer, handoff_worker, viewport
):
    url = live_server.url
    hall, dept_b = journey_offices["hall_a"], journey_offices["dept_b"]
    shot = Screens("proxy", viewport)
    clerk, officer, applicant = open_browser(), open_browser(), open_browser(viewport)

    # 收件: the item first, then the applicant, the handling office and the materials checklist.
    log_in(clerk, url, "clerk_a")
    shot(clerk, "clerk-home")
    clerk.get_by_role("link", name=re.compile("收件")).first.click()
    field(clerk, "事项").select_option(PROXY_ITEM)
    shot(clerk, "receive-item")
    clerk.get_by_role("button", name=re.compile("下一步")).click()
    clerk.wait_for_url(f"**/clerk/receive/?item={PROXY_ITEM}*")
    field(clerk, "办理部门（档案所在地）").select_option(label=dept_b.name)
    field(clerk, "姓名或名称（与证件一致）").fill(WALK_IN["name"])
    field(clerk, "证件号码或统一社会信用代码").fill(WALK_IN["id_number"])
    field(clerk, "联系电话").fill(WALK_IN["phone"])
    required = required_materials(PROXY_ITEM)
    for material in required:
        for tick in ("已核验原件", "原件寄递"):
            clerk.get_by_label(re.compile(rf"^{re.escape(material.name)}.*{tick}")).check()
    # Paper not on the item's list (its label is still being translated: found by its name).
    clerk.locator("textarea[name=other_materials]").fill(OTHER)
    shot(clerk, "receive-form")
    clerk.get_by_role("button", name="登记并打印回执").click()

    # The receipt: the case number, the applicant masked, what was received, where it goes.
    clerk.wait_for_url("**/receipt/")
    number = re.search(r"/clerk/cases/([^/]+)/receipt/", clerk.url).group(1)
    receipt = clerk.locator("main")
    expect(receipt).to_contain_text(number)
    case = Case.objects.get(number=number)
    assert (case.mode, case.status, case.receiving_office, case.handling_office) == (
        "proxy",
        "received",
        hall,
        dept_b,
    )
    expect(receipt).to_contain_text("黄**")
    expect(receipt).not_to_contain_text(WALK_IN["id_number"])
    expect(receipt).to_contain_text(dept_b.name)
    for name in [*(material.name for material in required), OTHER]:
        expect(receipt).to_contain_text(name)
    shot(clerk, "receipt")

    # At the window: formal review, identity check, transfer, the originals posted.
    clerk.get_by_role("link", name="打开办件").click()
    expect(clerk.locator(".case-head .status")).to_have_text("窗口已收件")
    act(clerk, "形式审查通过", "形式审查通过")
    act(clerk, "身份核验", "身份已核验")
    act(clerk, "转办至办理地机构", "已转办，待签收")
    case.refresh_from_db()
    sign_due = case.sign_due.isoformat()
    expect(clerk.locator(".messages")).to_contain_text(f"下一步：{dept_b.name}")
    expect(clerk.locator(".messages")).to_contain_text(f"期限 {sign_due}")
    originals = open_action(clerk, "寄递纸质原件")
    field(originals, "寄递企业").fill("中国邮政EMS")
    field(originals, "运单号").fill("EMS2000000002CN")
    originals.get_by_role("button", name="寄递纸质原件").click()
    expect(clerk.locator(".case-main")).to_contain_text("EMS2000000002CN")
    timeline = clerk.locator(".timeline li")
    expect(timeline.filter(has_text="转办至办理地机构")).to_contain_text(hall.name)
    shot(clerk, "clerk-transferred")

    progress = track(applicant, url, number, shot, "track-transferred")
    expect(progress).to_contain_text("已转办，待签收")
    expect(progress).to_contain_text(hall.name)

    # 成都 signs for it within the day it is due, receives the originals, accepts and decides.
    handed_over(number, "transfer", dept_b, handoff_worker)
    handed_over(number, "materials_shipped", dept_b, handoff_worker)
    log_in(officer, url, "officer_b")
    officer.goto(url + "/officer/?tab=to_sign")
    row = officer.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text(sign_due)
    shot(officer, "officer-to-sign")
    row.get_by_role("link", name=number).click()
    expect(officer.locator(".case-main")).to_contain_text(OTHER)
    act(officer, "签收转办", "办理地机构已签收")
    officer.get_by_role("button", name="接收纸质原件").click()
    expect(officer.locator(".messages")).to_contain_text("已办理")
    act(officer, "受理", "已受理")
    case.refresh_from_db()
    expect(officer.locator(".case-main")).to_contain_text(case.promised_due.isoformat())
    act(officer, "开始审查", "审查中")
    act(officer, "准予", "准予")
    result = open_action(officer, "寄递纸质结果")
    field(result, "寄递企业").fill("中国邮政EMS")
    field(result, "运单号").fill("EMS3000000003CN")
    result.get_by_role("radio", name="收件窗口").check()
    result.get_by_role("button", name="寄递纸质结果").click()
    expect(officer.locator(".case-head .status")).to_have_text("结果已寄出")
    shot(officer, "officer-result-shipped")

    # Back at the window: the result arrives, the applicant picks it up.
    handed_over(number, "result_shipped", hall, handoff_worker)
    clerk.goto(url + "/officer/?tab=arrivals")
    arrival = clerk.get_by_role("row").filter(has_text=number).filter(has_text="结果已寄出")
    expect(arrival).to_contain_text(dept_b.name)
    shot(clerk, "clerk-arrivals")
    arrival.get_by_role("link", name=number).click()
    act(clerk, "窗口接收办理结果", "结果待窗口领取")
    clerk.goto(url + "/clerk/")
    pickup = clerk.get_by_role("region", name="待领取的办理结果").get_by_role("row").filter(has_text=number)
    expect(pickup).to_contain_text(dept_b.name)
    shot(clerk, "clerk-home-pickup")
    pickup.get_by_role("link", name=number).click()
    act(clerk, "登记领取", "已办结")
    shot(clerk, "clerk-concluded")
    assert Case.objects.get(pk=case.pk).status == "concluded"

    progress = track(applicant, url, number, shot, "track-concluded")
    expect(progress).to_contain_text("已办结")
    expect(progress.locator(".timeline li").filter(has_text="登记领取")).to_contain_text(hall.name)
