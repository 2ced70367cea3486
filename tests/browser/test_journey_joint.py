"""多地联办 in a browser: a person applies once, to 深圳 (广东); the regions' tasks go to 长沙 (湖南)
and then, in the order listed, to 成都 (四川); each region's officer signs for its task and agrees;
深圳 approves, posts the result, confirms its delivery, and the case is concluded.

The person's pages run on a desktop and on a 375 px phone; the officers work on desktops.
"""

import re

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.builders import JOINT_ITEM
from tests.conftest import make_applicant

from .conftest import (
    Screens,
    attach_required_materials,
    field,
    fits_the_screen,
    handed_over,
    log_in,
    open_action,
)

pytestmark = pytest.mark.usefixtures("reference_data", "media_in_tmp")

ADDRESS = "广东省深圳市南山区粤海街道科技园路1号"


def region_task(page, office):
    """The row of `office` in the case page's table of regions' tasks (联办环节)."""
    table = page.get_by_role("region", name="联办环节")
    return table.get_by_role("row").filter(has=page.locator("strong", has_text=office.name))


def answer_the_task(page, url: str, number: str, office, shot, name: str) -> None:
    """A cooperating region's officer: from the inbox, sign for the task, start work, agree."""
    page.goto(url + "/officer/?tab=to_sign")
    page.get_by_role("row").filter(has_text=number).get_by_role("link", name=number).click()
    task = region_task(page, office)
    expect(task).to_contain_text("待签收")
    page.get_by_role("button", name=re.compile("^签收协同任务")).click()
    expect(task).to_contain_text("已签收")
    page.get_by_role("button", name=re.compile("^开始办理协同任务")).click()
    expect(task).to_contain_text("办理中")
    agree = open_action(page, "同意")
    field(agree, "意见").fill(f"{office.name}：同意，材料齐全。")
    agree.get_by_role("button", name="同意").click()
    expect(task).to_contain_text("已同意")
    expect(task).to_contain_text("材料齐全")
    answers = page.locator(".timeline li").filter(has=page.locator("strong", has_text=re.compile("^同意$")))
    answered = answers.last
    expect(answered).to_contain_text(office.name)
    expect(answered).to_contain_text(office.region.name)
    shot(page, name)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_joint_case_is_answered_by_two_regions_in_order_and_concluded(
    live_server,
    open_browser,
    journey_offices,
    receiving_officer,
    leg_officer,
    second_leg_officer,
    handoff_worker,
    viewport,
):
    url = live_server.url
    dept_a, dept_c, dept_d = (journey_offices[k] for k in ("dept_a", "dept_c", "dept_d"))
    make_applicant("zhang_san")
    shot = Screens("joint", viewport)
    person = open_browser(viewport)

    # The person applies once, naming the accepting office and the two regions, in order.
    log_in(person, url, "zhang_san")
    person.goto(url + f"/items/{JOINT_ITEM}/")
    person.get_by_role("link", name="立即申办").click()
    expect(person.get_by_role("radio", name=re.compile("^多地联办"))).to_be_checked()
    field(person, "受理部门").select_option(label=dept_a.name)
    field(person, "协同部门 1").select_option(label=dept_c.name)
    field(person, "协同部门 2").select_option(label=dept_d.name)
    person.get_by_label("协同部门按所列顺序办理").check()
    attach_required_materials(person, JOINT_ITEM)
    person.get_by_role("radio", name="邮寄至您的地址").check()
    field(person, "结果邮寄地址").fill(ADDRESS)
    assert fits_the_screen(person)
    shot(person, "apply")
    person.get_by_role("button", name="提交申请").click()
    person.wait_for_url("**/submitted/")
    number = person.locator(".case-number-big strong").inner_text()
    case = Case.objects.get(number=number)
    assert (case.mode, case.status, case.receiving_office) == ("joint", "submitted", dept_a)
    assert [leg.office for leg in case.legs.order_by("position")] == [dept_c, dept_d]
    expect(person.get_by_role("region", name="接下来")).to_contain_text(dept_a.name)
    expect(person.locator("main")).to_contain_text(f"{dept_c.name}、{dept_d.name}")
    assert fits_the_screen(person)
    shot(person, "submitted")

    # 深圳 accepts: the first region's task goes out, the second waits for it.
    handed_over(number, "submitted", dept_a, handoff_worker)
    shenzhen = open_browser()
    log_in(shenzhen, url, "officer_a")
    shenzhen.goto(url + "/officer/?tab=to_accept")
    shenzhen.get_by_role("row").filter(has_text=number).get_by_role("link", name=number).click()
    shenzhen.get_by_role("button", name="受理", exact=True).click()
    expect(shenzhen.locator(".case-head .status")).to_have_text("多地协同中")
    first, second = case.legs.order_by("position")
    first.refresh_from_db()
    expect(region_task(shenzhen, dept_c)).to_contain_text("待签收")
    expect(region_task(shenzhen, dept_c)).to_contain_text(first.sign_due.isoformat())
    expect(region_task(shenzhen, dept_d)).to_contain_text("等待前序协同地")
    expect(shenzhen.locator(".messages")).to_contain_text(f"下一步：{dept_c.name}")
    shot(shenzhen, "shenzhen-accepted")

    # 长沙 answers first; then the task of 成都 is released and 成都 answers.
    handed_over(number, "leg_created", dept_c, handoff_worker)
    changsha = open_browser()
    log_in(changsha, url, "officer_c")
    answer_the_task(changsha, url, number, dept_c, shot, "changsha-agreed")
    handed_over(number, "leg_created", dept_d, handoff_worker)
    chengdu = open_browser()
    log_in(chengdu, url, "officer_d")
    answer_the_task(chengdu, url, number, dept_d, shot, "chengdu-agreed")
    assert Case.objects.get(pk=case.pk).status == "legs_agreed"

    # The person sees both answers on their case page.
    person.goto(url + "/my/")
    card = person.locator(".case-card").filter(has_text=number)
    expect(card).to_contain_text("各协同地均已同意")
    expect(card).to_contain_text(dept_a.name)
    assert fits_the_screen(person)
    shot(person, "my-cases-agreed")
    card.get_by_role("link", name=number).click()
    expect(region_task(person, dept_c)).to_contain_text("已同意")
    expect(region_task(person, dept_d)).to_contain_text("已同意")
    assert fits_the_screen(person)
    shot(person, "case-agreed")

    # 深圳 hears both answers, decides, posts the result to the person and confirms its delivery.
    handed_over(number, "leg_answered", dept_a, handoff_worker, count=2)
    shenzhen.goto(url + "/officer/?tab=arrivals")
    answers = shenzhen.get_by_role("row").filter(has_text=number).filter(has_text="协同地已答复")
    expect(answers.filter(has_text=dept_c.name)).to_have_count(1)
    expect(answers.filter(has_text=dept_d.name)).to_have_count(1)
    shot(shenzhen, "shenzhen-answers")
    shenzhen.goto(url + "/officer/?tab=to_decide")
    shenzhen.get_by_role("row").filter(has_text=number).get_by_role("link", name=number).click()
    expect(shenzhen.locator(".case-head .status")).to_have_text("各协同地均已同意")
    shenzhen.get_by_role("button", name="准予", exact=True).click()
    ship = open_action(shenzhen, "寄递纸质结果")
    field(ship, "寄递企业").fill("中国邮政EMS")
    field(ship, "运单号").fill("EMS1000000001CN")
    ship.get_by_role("radio", name="申请人（邮寄地址）").check()
    ship.get_by_role("button", name="寄递纸质结果").click()
    expect(shenzhen.locator(".case-head .status")).to_have_text("结果已寄出")
    expect(shenzhen.locator(".case-main")).to_contain_text("EMS1000000001CN")
    shenzhen.get_by_role("button", name="确认寄递送达").click()
    expect(shenzhen.locator(".case-head .status")).to_have_text("已办结")
    expect(shenzhen.locator(".messages")).to_contain_text("本办件已无待办事项")
    shot(shenzhen, "shenzhen-concluded")
    assert Case.objects.get(pk=case.pk).status == "concluded"

    # The person's case is concluded; the result notice names both regions' agreement's outcome.
    person.reload()
    expect(person.locator(".case-head .status")).to_have_text("已办结")
    expect(person.locator(".case-main")).to_contain_text("EMS1000000001CN")
    shot(person, "case-concluded")
    person.get_by_role("link", name="办理结果通知书").click()
    expect(person.locator("article.paper")).to_contain_text("准予")
    shot(person, "result")
