"""Keyboard only: a person logs in, finds an item, applies online and lands on the confirmation,
with Tab, Shift+Tab, Enter, Space, arrow keys and typing; every control passed shows its focus.

Choosing the file is the one step a browser leaves to the system's file dialog: the test gives the
focused file input its file (set_input_files on the focused element).
"""

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.builders import ONLINE_ITEM
from tests.conftest import make_applicant

from .conftest import PASSWORD, Screens, focus_is_visible, handed_over, pdf, required_materials

pytestmark = pytest.mark.usefixtures("reference_data", "media_in_tmp")

FOCUSED = """() => {
    const el = document.activeElement;
    return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name") || "",
            type: el.getAttribute("type") || "", text: (el.innerText || el.value || "").trim()};
}"""


def tab_to(page, key: str = "Tab", limit: int = 80, **wanted) -> dict:
    """Press Tab (or Shift+Tab) until the focused element has the `wanted` attributes (any, if none).

    Every element the focus passes on the way must show it (outline or box-shadow).
    """
    passed = []
    for _ in range(limit):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
        passed.append(focused)
        assert focus_is_visible(page), f"the focus on {focused} cannot be seen"
        if all(focused[name] == value for name, value in wanted.items()):
            return focused
    raise AssertionError(f"{wanted} was not reached with {key}; passed {passed}")


def test_a_person_applies_with_the_keyboard_only(
    live_server, open_browser, journey_offices, handling_officer, handoff_worker
):
    url, dept_b = live_server.url, journey_offices["dept_b"]
    make_applicant("keyboard_user")
    shot = Screens("keyboard", "desktop")
    page = open_browser()

    # The skip link comes first; past the content, Shift+Tab goes back up to the header's 登录.
    page.goto(url + "/")
    tab_to(page, text="跳到正文")
    shot(page, "skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    tab_to(page, name="q")  # the first control of the content: the search
    tab_to(page, "Shift+Tab", tag="a", text="登录")
    page.keyboard.press("Enter")
    page.wait_for_url("**/login/")
    expect(page.locator("#id_username")).to_be_focused()  # the login form starts in its first field
    assert focus_is_visible(page)
    page.keyboard.type("keyboard_user")
    tab_to(page, id="id_password")
    page.keyboard.type(PASSWORD)
    shot(page, "login")
    page.keyboard.press("Enter")
    page.wait_for_url("**/my/")

    # Through the header to the item list, then past it with the skip link to the search field.
    tab_to(page, tag="a", text="事项清单")
    page.keyboard.press("Enter")
    page.wait_for_url("**/items/")
    tab_to(page, text="跳到正文")
    page.keyboard.press("Enter")
    tab_to(page, name="q")
    page.keyboard.type("无犯罪记录")
    page.keyboard.press("Enter")
    page.wait_for_url("**/items/?*")
    tab_to(page, tag="a", text="开具有无犯罪记录证明")
    shot(page, "search-result")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/items/{ONLINE_ITEM}/")
    tab_to(page, tag="a", text="立即申办")
    shot(page, "guide")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/apply/{ONLINE_ITEM}/")

    # The form: the mode is chosen already; the office with the arrow keys; the file; submit.
    tab_to(page, name="mode")
    page.keyboard.press("Space")
    expect(page.locator("input[name=mode][value=online]")).to_be_checked()
    tab_to(page, name="handling_office")
    for _ in range(20):
        if page.evaluate("document.activeElement.value") == dept_b.code:
            break
        page.keyboard.press("ArrowDown")
    expect(page.locator("select[name=handling_office]")).to_have_value(dept_b.code)
    # On to the submit button, choosing a file in each required material's slot on the way.
    wanted = {f"material_{requirement.pk}" for requirement in required_materials(ONLINE_ITEM)}
    while True:
        focused = tab_to(page)
        if focused["name"] in wanted:
            page.locator(":focus").set_input_files(pdf(f"{focused['name']}.pdf"))
            wanted.discard(focused["name"])
        if focused["tag"] == "button":
            break
    assert focused["text"] == "提交申请" and not wanted
    tab_to(page, "Shift+Tab", name="handling_office")  # back up the form: nothing chosen is lost
    expect(page.locator(":focus")).to_have_value(dept_b.code)
    tab_to(page, tag="button", text="提交申请")
    shot(page, "apply")
    page.keyboard.press("Enter")

    page.wait_for_url("**/submitted/")
    expect(page.get_by_role("heading", level=1)).to_have_text("申请已提交")
    number = page.locator(".case-number-big strong").inner_text()
    assert Case.objects.get(number=number).handling_office == dept_b
    shot(page, "submitted")
    handed_over(number, "submitted", dept_b, handoff_worker)
