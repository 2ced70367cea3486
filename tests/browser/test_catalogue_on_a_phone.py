"""A person on a phone finds an item and reads its guide (screenshots land in var/screenshots/)."""

from .conftest import fits_the_screen, screenshot


def test_a_person_on_a_phone_searches_and_opens_a_guide(live_server, reference_data, phone):
    phone.goto(live_server.url + "/")
    assert phone.locator("html").get_attribute("lang") == "zh-hans"
    assert fits_the_screen(phone)
    screenshot(phone, "phone-home")

    phone.fill("#q", "户口迁移")
    phone.click("form.search button[type=submit]")
    phone.wait_for_url("**/items/?q=*")
    assert "共找到5个事项" in phone.inner_text(".result-count")
    assert fits_the_screen(phone)
    screenshot(phone, "phone-search")

    phone.click("text=夫妻投靠户口迁移")
    phone.wait_for_url("**/items/KS-2-006/")
    assert phone.inner_text("h1") == "夫妻投靠户口迁移"
    assert "多地联办" in phone.inner_text(".modes")
    assert fits_the_screen(phone)
    screenshot(phone, "phone-guide")


def test_filters_keep_their_values_in_a_shareable_url(live_server, reference_data, phone):
    phone.goto(live_server.url + "/items/")
    phone.select_option("select[name=mode]", "proxy")
    phone.select_option("select[name=batch]", "3")
    phone.click(".filters button[type=submit]")
    phone.wait_for_url("**/items/?*")
    assert "mode=proxy" in phone.url and "batch=3" in phone.url
    # 首次申领居民身份证 (proxy only) + 3 online or proxy; 结婚/离婚登记 are done in person, not here
    assert "共找到4个事项" in phone.inner_text(".result-count")
    phone.goto(phone.url)  # the same URL, opened again, shows the same
    assert phone.locator("select[name=mode]").input_value() == "proxy"


def test_the_language_switch_turns_the_page_into_english(live_server, reference_data, phone):
    phone.goto(live_server.url + "/items/KS-1-001/")
    phone.select_option("#lang-select", "en")
    assert phone.locator("html").get_attribute("lang") == "zh-hans"  # nothing happens before confirming
    phone.click(".lang button")
    phone.wait_for_load_state()
    phone.wait_for_selector("html[lang=en]")
    assert "Materials" in phone.inner_text("main")
    assert fits_the_screen(phone)
    screenshot(phone, "phone-guide-en")
