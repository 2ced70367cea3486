"""Guides that never state a wrong thing: one test per wrong statement the guides used to make,
on the page and in the API, plus on-the-spot limits and how the loader treats old items."""

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from cases.calendar import Calendar
from cases.models import Case
from catalogue import reference
from catalogue.defaults import legacy_materials, legacy_values
from catalogue.models import MaterialRequirement, ServiceItem, item_code
from tests.builders import ONLINE_ITEM, act, case_payload, register
from tests.cases.conftest import client_for

pytestmark = pytest.mark.django_db
UNPUBLISHED = "As published where it is handled"


def zh(msgid: str) -> str:
    """What a Chinese page shows for `msgid` (the msgid itself until it is translated)."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def guide(code: str) -> str:
    """The guide's own text (the article), as a Chinese reader gets it: no menus or footer."""
    page = Client().get(f"/items/{code}/").content.decode()
    return page[page.index('<article class="guide">') : page.index("</article>")]


def section(html: str, heading: str) -> str:
    start = html.index(f"<h2>{zh(heading)}</h2>")
    return html[start : html.index("</section>", start)]


# --- 电子社会保障卡申领: online only, never a window ------------------------------------------


def test_the_electronic_social_security_card_is_online_only_and_never_sends_anyone_to_a_window(api):
    item = ServiceItem.objects.get(code="KS-1-015")
    assert (item.modes, item.delivery_options, item.in_person) == (["online"], ["online"], False)

    html = guide("KS-1-015")
    assert 'href="/apply/KS-1-015/"' in html
    for word in ("窗口", "邮寄", "寄递", "纸质", zh("By post to your address")):
        assert word not in html, word
    assert zh("Online (electronic licence or document)") in html

    served = api.get("/api/v1/items/KS-1-015/").json()
    assert (served["modes"], served["delivery_options"]) == (["online"], ["online"])


# --- 结婚登记: both parties in person, on the spot, the regulation's materials ----------------


def test_marriage_registration_is_in_person_at_the_registry_and_done_on_the_spot():
    item = ServiceItem.objects.get(code="KS-3-003")
    assert (item.channel, item.modes, item.in_person) == ("office", [], True)
    assert (item.statutory_days, item.on_the_spot) == (0, True)
    assert item.delivery_options == ["window"]  # the 结婚证 is issued at the registry, never posted

    html = guide("KS-3-003")
    assert 'href="/apply/KS-3-003/"' not in html and zh("Apply now") not in html
    assert "所在地的婚姻登记机关" in html and "男女双方应当共同亲自到场" in html
    limits = section(html, "Time limits and fees")
    assert "即办" in limits
    assert "20个工作日" not in html and "20 working days" not in html
    assert zh("By post to your address") not in html
    assert "不收费（《婚姻登记条例》第六条）" in limits


def test_marriage_registration_lists_exactly_the_regulations_materials_with_their_article():
    materials = list(ServiceItem.objects.get(code="KS-3-003").materials.order_by("position"))
    assert [m.name for m in materials] == [
        "本人的居民身份证",
        "本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明",
    ]
    assert all("《婚姻登记条例》第八条" in m.note for m in materials)
    assert all(m.original_required and m.form == "paper" for m in materials)
    html = guide("KS-3-003")
    assert "户口簿" not in html  # no longer required since the 2025 revision
    assert "《中华人民共和国民法典》第一千零四十九条" in section(html, "Basic information")


def test_a_marriage_cannot_be_filed_as_a_case_at_a_window(window_clerk, offices):
    payload = case_payload("proxy", offices, item="KS-3-003")
    reply = client_for(window_clerk).post("/api/v1/cases/", payload, format="json")
    assert reply.status_code == 400 and "婚姻登记机关" in reply.json()["item"][0]  # where to go instead
    assert not Case.objects.exists()


def test_divorce_registration_is_in_person_twice_and_not_on_the_spot():
    item = ServiceItem.objects.get(code="KS-3-004")
    assert (item.channel, item.modes, item.in_person, item.on_the_spot) == ("office", [], True, False)
    assert item.statutory_days is None and "第一千零七十七条" in item.time_limit_note
    html = guide("KS-3-004")
    assert "即办" not in html and "三十日" in section(html, "Time limits and fees")


# --- 门诊费用跨省直接结算: settled at the hospital, nothing to apply for ----------------------


def test_outpatient_settlement_has_no_apply_button_and_says_it_is_settled_at_the_hospital(api):
    item = ServiceItem.objects.get(code="KS-2-062")
    assert (item.channel, item.modes, item.delivery_options) == ("point_of_service", [], [])

    html = guide("KS-2-062")
    assert 'href="/apply/KS-2-062/"' not in html and zh("Apply now") not in html
    nothing_to_apply = (
        "There is nothing to apply for here: it is settled directly where the service is given."
    )
    assert zh(nothing_to_apply) in html
    assert "异地就医的医疗机构" in html and "医保电子凭证" in html

    served = api.get("/api/v1/items/KS-2-062/").json()
    assert (served["applied_through_portal"], served["modes"]) == (False, [])
    assert served["where_to_go"].startswith("异地就医的医疗机构")


# --- 授权委托书: never required when it is only needed when someone acts for you ---------------


def test_no_material_that_is_needed_only_in_some_cases_is_marked_required():
    assert not MaterialRequirement.objects.filter(name__contains="授权委托书", required=True).exists()
    for material in MaterialRequirement.objects.filter(required=True):
        assert "委托他人办理时" not in material.note and "视情形" not in material.note, material


def test_an_item_without_a_list_set_by_law_shows_no_generated_materials():
    assert not ServiceItem.objects.get(code="KS-1-031").materials.exists()
    materials = section(guide("KS-1-031"), "Materials")
    assert zh(UNPUBLISHED) in materials
    assert "授权委托书" not in materials and "默认清单" not in materials


# --- No generated 20 working days ----------------------------------------------------------


def test_an_item_without_a_known_time_limit_says_as_published_not_20_working_days(api):
    limits = section(guide("KS-1-007"), "Time limits and fees")
    assert zh(UNPUBLISHED) in limits
    assert "20" not in limits

    served = api.get("/api/v1/items/KS-1-007/").json()
    assert served["statutory_days"] is None and served["effective_statutory_days"] is None
    assert served["fees"] is None and served["item_type"] is None
    assert served["legal_basis"] == "《中华人民共和国社会保险法》第十九条"


def test_a_limit_set_by_law_is_shown_in_working_days_with_its_law():
    html = guide("KS-1-001")
    assert "15" in section(html, "Time limits and fees")
    assert "《中华人民共和国公证法》第十一条第一款第七项、第二十五条、第三十条" in html


# --- 即办: 0 working days ----------------------------------------------------------------


def test_zero_working_days_is_the_day_itself_even_on_a_holiday():
    assert Calendar().add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 3)


def test_a_case_under_an_on_the_spot_item_is_due_the_day_it_is_accepted(applicant, handling_officer, offices):
    item = ServiceItem.objects.get(code=ONLINE_ITEM)
    item.statutory_days = item.promised_days = 0
    item.save()  # a new version: the case is filed under it
    at = datetime(2026, 9, 30, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(at, tick=False):
        case = act(handling_officer, register(applicant, "online", offices), "accept")
    assert (case.statutory_days, case.promised_days) == (0, 0)
    assert case.statutory_due == case.promised_due == date(2026, 9, 30)


def test_staff_can_set_an_item_to_on_the_spot_but_not_promise_more_than_the_law(admin_api):
    reply = admin_api.patch("/api/v1/items/KS-1-005/", {"statutory_days": 0}, format="json")
    assert reply.status_code == 200, reply.content
    assert (reply.json()["on_the_spot"], reply.json()["effective_promised_days"]) == (True, 0)
    reply = admin_api.patch("/api/v1/items/KS-1-005/", {"promised_days": 1}, format="json")
    assert reply.status_code == 400 and "promised_days" in reply.json()


# --- Channel and modes stay consistent ----------------------------------------------------


def test_an_item_done_elsewhere_takes_no_mode_and_leaving_the_portal_clears_them(admin_api):
    reply = admin_api.patch("/api/v1/items/KS-3-003/", {"modes": ["proxy"]}, format="json")
    assert reply.status_code == 400 and "modes" in reply.json()
    reply = admin_api.patch("/api/v1/items/KS-1-005/", {"channel": "office"}, format="json")
    assert reply.status_code == 200 and reply.json()["modes"] == []
    reply = admin_api.patch("/api/v1/items/KS-1-005/", {"channel": "portal"}, format="json")
    assert reply.status_code == 400 and "modes" in reply.json()


def test_the_list_tags_an_item_done_in_person_instead_of_a_mode(client):
    page = client.get("/items/", {"batch": 3}).content.decode()
    card = page[page.index("结婚登记") :]
    card = card[: card.index("</li>")]
    assert zh("In person at an office") in card and zh("Fully online") not in card


# --- An applicant still applies when no materials list is published -----------------------


def test_an_applicant_applies_online_for_an_item_with_no_published_materials(applicant, offices):
    assert not ServiceItem.objects.get(code=ONLINE_ITEM).materials.exists()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(applicant)
    form = {
        "idempotency_key": str(uuid.uuid4()),
        "mode": "online",
        "handling_office": offices["dept_b"].code,
        "delivery_method": "online",
        "phone": "13812345678",
    }
    response = client.post(f"/apply/{ONLINE_ITEM}/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Case.objects.get().materials.count() == 0


# --- Existing installations --------------------------------------------------------------


def as_first_loaded(code: str) -> ServiceItem:
    """Put an item back to what the first loader guessed, as on an installation older than the review."""
    item = ServiceItem.objects.get(code=code)
    rows = reference.read_csv(reference.NATIONAL_LIST_CSV)
    row = next(r for r in rows if item_code(int(r["batch"]), int(r["seq"])) == code)
    values = legacy_values(row["name"], row["scenario"])
    ServiceItem.objects.filter(pk=item.pk).update(**values)
    item.materials.all().delete()
    for position, (name, form, original, copies, required, source, note) in enumerate(
        legacy_materials(values["audience"]), start=1
    ):
        MaterialRequirement.objects.create(
            item=item,
            position=position,
            name=name,
            form=form,
            original_required=original,
            copies=copies,
            required=required,
            source=source,
            note=note,
        )
    return ServiceItem.objects.get(pk=item.pk)


def test_the_loader_corrects_an_item_still_holding_the_old_guesses():
    item = as_first_loaded("KS-3-003")
    assert (item.modes, item.statutory_days, item.delivery_post) == (["proxy"], None, True)

    report = reference.load_national_list()

    item = ServiceItem.objects.get(code="KS-3-003")
    assert report.updated == 1
    assert (item.channel, item.modes, item.in_person, item.statutory_days) == ("office", [], True, 0)
    assert item.delivery_options == ["window"] and item.legal_basis.startswith("《中华人民共和国民法典》")
    assert [m.name for m in item.materials.order_by("position")][0] == "本人的居民身份证"
    assert item.history.first().history_change_reason == reference.CORRECTED_REASON  # shown translated
    history = ServiceItem.history.count()
    assert reference.load_national_list().updated == 0 and ServiceItem.history.count() == history


def test_the_loader_leaves_what_an_admin_edited_alone():
    item = as_first_loaded("KS-3-003")
    item.supports_online = True  # an admin's choice: online and proxy
    item.fees = "每对9元"
    item.save()
    edited = item.materials.first()
    edited.required = False
    edited.save()

    report = reference.load_national_list()

    item = ServiceItem.objects.get(code="KS-3-003")
    assert (item.channel, item.modes, item.fees) == ("portal", ["online", "proxy"], "每对9元")
    assert item.materials.get(pk=edited.pk).required is False  # the admin's list, kept whole
    kept = "KS-3-003: kept an admin's handling, fees, materials"
    assert any(note.startswith(kept) for note in report.notes)
    assert item.statutory_days == 0 and item.legal_basis  # what nobody edited is corrected
