"""Applicants' pages: apply online, the confirmation, 我的办件 and 我的消息 (专属空间)."""

import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases import notifications
from cases.models import Case, Material, Notification
from catalogue.models import MaterialRequirement, ServiceItem
from tests.builders import ONLINE_ITEM, PERSON, act, register, set_modes
from tests.conftest import make_applicant

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PRINCIPAL = {"name": "李四", "id_number": "44030519850615002X"}
COMPANY = {
    "kind": "organisation",
    "name": "演示科技有限公司",
    "id_type": "uscc",
    "id_number": "91110000600037341L",
}


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def requirement(code: str = ONLINE_ITEM) -> MaterialRequirement:
    """The item's first required material; one is added where its guide lists none (yet)."""
    found = MaterialRequirement.objects.filter(item__code=code, required=True).order_by("position", "id")
    return found.first() or MaterialRequirement.objects.create(
        item=ServiceItem.objects.get(code=code), position=1, name="申请人有效身份证件", required=True
    )


def file_for(user, mode: str, offices) -> Case:
    """A case filed through the API's path, in the account's own verified name."""
    profile = user.applicant_profile
    own = {field: getattr(profile, field) for field in ("kind", "name", "id_type", "id_number")}
    return register(user, mode, offices, applicant=own)


def pdf(name: str = "身份证.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def online_form(offices, **extra) -> dict:
    """What a person types and chooses on the apply page of KS-2-001 (成都, one PDF, delivered online)."""
    return {
        "idempotency_key": str(uuid.uuid4()),
        "mode": "online",
        "handling_office": offices["dept_b"].code,
        "delivery_method": "online",
        "phone": "13812345678",
        f"material_{requirement().pk}": pdf(),
        **extra,
    }


def apply(client, offices, **extra):
    return client.post(f"/apply/{ONLINE_ITEM}/", online_form(offices, **extra))


def test_the_guide_offers_to_apply_online_for_an_online_item(client, db):
    html = client.get(f"/items/{ONLINE_ITEM}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f'href="/apply/{ONLINE_ITEM}/"' in html
    assert "Apply now" in html


def test_the_guide_of_a_proxy_only_item_says_where_to_apply_instead(client, db):
    set_modes(ONLINE_ITEM, "proxy")

    html = client.get(f"/items/{ONLINE_ITEM}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f'href="/apply/{ONLINE_ITEM}/"' not in html
    assert "bring the materials listed below to the 跨省通办 window" in html


def test_an_item_whose_guide_lists_no_materials_says_so_on_the_apply_page(applicant, offices):
    MaterialRequirement.objects.filter(item__code=ONLINE_ITEM).delete()

    html = client_for(applicant).get(f"/apply/{ONLINE_ITEM}/").content.decode()

    assert 'name="material_' not in html
    assert "The guide lists no materials for this item yet" in html


def test_the_apply_page_offers_the_items_materials_and_the_offices_on_its_department_line(applicant, offices):
    wanted = requirement()

    html = client_for(applicant).get(f"/apply/{ONLINE_ITEM}/").content.decode()

    assert wanted.name in html
    assert f'name="material_{wanted.pk}"' in html
    assert "lists no materials" not in html
    assert f'value="{offices["dept_b"].code}"' in html  # 成都 公安 (MPS), the item's line
    assert f'value="{offices["dept_c"].code}"' not in html  # 长沙 人社: another line
    assert '<optgroup label="四川省">' in html
    assert PERSON["name"] in html
    assert "110105********002X" in html  # the account's own ID, shown masked, never typed


def test_an_applicant_applies_online_with_one_pdf_and_gets_a_case_number_at_once(applicant, offices):
    client = client_for(applicant)

    response = apply(client, offices)

    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/my/cases/{case.number}/submitted/"
    assert (case.mode, case.status, case.handling_office) == ("online", "submitted", offices["dept_b"])
    assert case.number.startswith("510104-") and "-O-" in case.number
    material = case.materials.get()
    assert (material.requirement, material.kind, material.content_type) == (
        requirement(),
        "material",
        "application/pdf",
    )
    confirmation = client.get(response["Location"])
    html = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert case.number in html
    assert offices["dept_b"].name in html  # who acts now
    assert "data-print" in html and "/static/js/applicant.js" in html


def test_the_case_is_in_the_applicants_own_verified_name_whatever_is_typed(applicant, offices):
    apply(client_for(applicant), offices, principal_name="王五", principal_id_number="110101199003070011")

    filed = Case.objects.select_related("applicant").get().applicant
    assert (filed.name, filed.id_number, filed.user, filed.agent_user) == (
        PERSON["name"],
        PERSON["id_number"],
        applicant,
        None,
    )


def test_the_same_form_sent_twice_files_one_case(applicant, offices):
    client = client_for(applicant)
    typed = online_form(offices)
    first = client.post(f"/apply/{ONLINE_ITEM}/", typed)
    typed[f"material_{requirement().pk}"] = pdf()

    second = client.post(f"/apply/{ONLINE_ITEM}/", typed)

    assert second["Location"] == first["Location"]
    assert Case.objects.count() == 1
    assert Material.objects.count() == 1


def test_an_agent_must_name_the_principal_and_upload_the_mandate(applicant, offices):
    response = apply(client_for(applicant), offices, as_agent="on")

    assert response.status_code == 400
    form = response.context["form"]
    assert "principal_name" in form.errors
    assert "principal_id_number" in form.errors
    assert form.errors["mandate"] == [
        "Upload the mandate (授权委托书) of the person or organisation you act for."
    ]
    assert Case.objects.count() == 0


def test_an_agent_files_in_the_principals_name_with_the_mandate_attached(applicant, offices):
    response = apply(
        client_for(applicant),
        offices,
        as_agent="on",
        principal_kind="person",
        principal_name=PRINCIPAL["name"],
        principal_id_type="resident_id",
        principal_id_number=PRINCIPAL["id_number"],
        mandate=pdf("委托书.pdf"),
    )

    assert response.status_code == 302
    case = Case.objects.select_related("applicant").get()
    assert (case.applicant.name, case.applicant.id_number) == (PRINCIPAL["name"], PRINCIPAL["id_number"])
    assert (case.applicant.agent_user, case.applicant.agent_name) == (applicant, PERSON["name"])
    assert sorted(case.materials.values_list("kind", flat=True)) == ["mandate", "material"]


def test_a_principals_id_number_is_checked_with_the_apis_message(applicant, offices):
    response = apply(
        client_for(applicant),
        offices,
        as_agent="on",
        principal_kind="person",
        principal_name=PRINCIPAL["name"],
        principal_id_type="resident_id",
        principal_id_number="440305198506150021",
        mandate=pdf("委托书.pdf"),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["principal_id_number"] == [
        "The last character does not match: check the number for a typing error."
    ]


def test_a_bad_file_is_refused_with_the_form_kept_and_nothing_written(applicant, offices):
    fake = SimpleUploadedFile("身份证.pdf", b"just text, not a PDF", content_type="application/pdf")

    response = apply(client_for(applicant), offices, **{f"material_{requirement().pk}": fake}, note="请尽快")

    html = response.content.decode()
    assert response.status_code == 400
    assert response.context["form"].errors[f"material_{requirement().pk}"] == [
        "Upload a PDF, JPEG, PNG or OFD file (its name and content must agree)."
    ]
    assert "choose your files again" in html
    assert "请尽快" in html  # what was typed is kept
    assert (Case.objects.count(), Material.objects.count()) == (0, 0)


def test_a_file_refused_while_filing_rolls_the_whole_filing_back(applicant, offices, monkeypatch, settings):
    # Only the service's own check stands between this mandate and the case.
    monkeypatch.setattr("cases.forms.apply.check_file", lambda upload, **kw: [])
    fake = SimpleUploadedFile("委托书.pdf", b"not a PDF at all", content_type="application/pdf")

    response = apply(
        client_for(applicant),
        offices,
        as_agent="on",
        principal_kind="person",
        principal_name=PRINCIPAL["name"],
        principal_id_type="resident_id",
        principal_id_number=PRINCIPAL["id_number"],
        mandate=fake,
    )

    assert response.status_code == 400
    assert "mandate" in response.context["form"].errors
    assert (Case.objects.count(), Material.objects.count()) == (0, 0)
    stored = [p for p in (settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert stored == []  # the material saved before the mandate was refused is gone too


def test_choosing_no_office_is_told_together_with_the_missing_file(applicant, offices):
    typed = online_form(offices, handling_office="")
    del typed[f"material_{requirement().pk}"]

    response = client_for(applicant).post(f"/apply/{ONLINE_ITEM}/", typed)

    errors = response.context["form"].errors
    assert response.status_code == 400
    assert errors["handling_office"] == ["Choose an office."]
    assert errors[f"material_{requirement().pk}"] == ["This field is required."]
    assert "receiving_office" not in errors


def test_an_organisation_cannot_apply_for_a_persons_only_item_and_sees_why(offices):
    company = client_for(make_applicant("company", **COMPANY))
    why = "This item is for persons only; an organisation cannot apply for it."

    shown = company.get(f"/apply/{ONLINE_ITEM}/")
    sent = apply(company, offices)

    assert shown.status_code == 200
    assert why in shown.content.decode()
    assert '<form method="post" enctype' not in shown.content.decode()
    assert sent.status_code == 400
    assert why in sent.content.decode()
    assert Case.objects.count() == 0


def test_staff_are_sent_to_the_window_registration(window_clerk):
    response = client_for(window_clerk).get(f"/apply/{ONLINE_ITEM}/")

    assert response.status_code == 403
    assert "Staff register a case at the window" in response.content.decode()


def test_the_apply_page_asks_to_log_in_first(client, db):
    response = client.get(f"/apply/{ONLINE_ITEM}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_confirmation_of_another_applicants_case_does_not_exist(applicant, other_applicant, offices):
    theirs = file_for(other_applicant, "online", offices)

    response = client_for(applicant).get(f"/my/cases/{theirs.number}/submitted/")

    assert response.status_code == 404


def test_my_cases_lists_only_my_cases_with_who_has_them_now(applicant, other_applicant, offices):
    mine = file_for(applicant, "online", offices)
    theirs = file_for(other_applicant, "online", offices)

    html = client_for(applicant).get("/my/").content.decode()

    assert mine.number in html
    assert theirs.number not in html
    assert f'href="/cases/{mine.number}/"' in html
    assert offices["dept_b"].name in html
    assert "Set when the office accepts the case." in html


def test_my_cases_says_in_words_when_a_case_is_overdue(applicant, handling_officer, offices):
    case = act(handling_officer, file_for(applicant, "online", offices), "accept")
    Case.objects.filter(pk=case.pk).update(promised_due="2020-01-02")

    html = client_for(applicant).get("/my/").content.decode()

    assert "2020-01-02" in html
    assert '<span class="due due-overdue">Overdue</span>' in html


def test_my_cases_takes_as_many_queries_for_seven_cases_as_for_one(
    applicant, handling_officer, offices, django_assert_max_num_queries
):
    client = client_for(applicant)
    act(handling_officer, file_for(applicant, "online", offices), "accept")
    with CaptureQueriesContext(connection) as one:
        client.get("/my/")
    for _n in range(5):
        file_for(applicant, "online", offices)
    file_for(applicant, "joint", offices)

    with django_assert_max_num_queries(len(one)):
        response = client.get("/my/")

    assert len(re.findall(r'<li class="case-card', response.content.decode())) == 7


def test_messages_show_unread_counts_and_opening_them_marks_them_read(applicant, handling_officer, offices):
    client = client_for(applicant)
    act(handling_officer, file_for(applicant, "online", offices), "accept")
    assert client.get("/my/").context["unread"] == 1

    opened = client.get("/my/messages/")

    html = opened.content.decode()
    assert opened.context["new_here"] == 1
    assert "Status now: Accepted" in html
    assert 'class="message is-new"' in html
    assert Notification.objects.get(user=applicant).read_at is not None
    assert client.get("/my/").context["unread"] == 0
    assert 'class="message is-new"' not in client.get("/my/messages/").content.decode()


def test_marking_read_touches_only_the_callers_notifications(applicant, other_applicant):
    theirs = Notification.objects.create(user=other_applicant, kind="status_accepted", key="k1")

    changed = notifications.mark_read(user=applicant, ids=[theirs.pk])

    theirs.refresh_from_db()
    assert (changed, theirs.read_at) == (0, None)


def test_an_applicant_files_a_joint_case_with_an_accepting_and_a_cooperating_office(applicant, offices):
    code = "KS-1-007"  # 养老保险关系转移接续: joint only, the result posted
    typed = {
        "idempotency_key": str(uuid.uuid4()),
        "mode": "joint",
        "receiving_office": offices["dept_a"].code,
        "cooperating_1": offices["dept_c"].code,
        "delivery_method": "post",
        "delivery_address": PERSON["address"],
        f"material_{requirement(code).pk}": pdf(),
    }

    response = client_for(applicant).post(f"/apply/{code}/", typed)

    case = Case.objects.get()
    assert response.status_code == 302
    assert (case.mode, case.receiving_office, case.handling_office) == (
        "joint",
        offices["dept_a"],
        offices["dept_a"],
    )
    assert [leg.office for leg in case.legs.all()] == [offices["dept_c"]]
    assert (case.delivery_method, case.delivery_address) == ("post", PERSON["address"])
