"""The case page: one page for every role, acting through the same service as the API."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import Case, CaseEvent, RevealRecord
from tests.builders import PERSON, act, register
from tests.cases.conftest import outsider, second_officer  # noqa: F401 (fixtures)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def page(client, case: Case):
    return client.get(f"/cases/{case.number}/")


def form_values(html: str, number: str, action: str) -> dict:
    """The hidden fields of the form the page rendered for `action` (key, version, leg)."""
    form = re.search(rf'action="/cases/{number}/act/{action}/">(.*?)</form>', html, re.S)
    assert form, f"no form for {action}"
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(1)))


def post_action(client, case: Case, action: str, **typed):
    values = form_values(page(client, case).content.decode(), case.number, action)
    return client.post(f"/cases/{case.number}/act/{action}/", {**values, **typed})


@pytest.fixture
def submitted(applicant, offices):
    return register(applicant, "online", offices)


def test_an_officer_accepts_a_case_from_the_page_and_sees_what_happens_next(handling_officer, submitted):
    officer = client_for(handling_officer)

    response = post_action(officer, submitted, "accept")

    assert response.status_code == 302
    assert response["Location"] == f"/cases/{submitted.number}/"
    case = Case.objects.get(pk=submitted.pk)
    assert case.status == "accepted"
    shown = officer.get(response["Location"]).content.decode()
    assert "“Accept” done." in shown
    assert f"Next: {case.handling_office.name}" in shown
    assert case.promised_due.isoformat() in shown


def test_the_page_offers_only_the_actions_the_caller_may_take(handling_officer, supervisor_b, submitted):
    officer_page = page(client_for(handling_officer), submitted).content.decode()
    supervisor_page = page(client_for(supervisor_b), submitted).content.decode()

    assert f"/cases/{submitted.number}/act/accept/" in officer_page
    assert f"/cases/{submitted.number}/act/refuse/" in officer_page
    assert f"/cases/{submitted.number}/act/approve/" not in officer_page
    assert "/act/" not in supervisor_page


def test_a_form_with_a_missing_required_field_keeps_what_was_typed(handling_officer, submitted):
    officer = client_for(handling_officer)

    response = post_action(officer, submitted, "refuse", reason="  ", note="已电话联系申请人")

    assert response.status_code == 400
    html = response.content.decode()
    assert "已电话联系申请人" in html
    assert 'class="error-summary"' in html
    assert 'id="id_refuse_case_reason_error"' in html
    assert Case.objects.get(pk=submitted.pk).status == "submitted"


def test_a_tracking_number_is_checked_by_the_rules_of_the_api(window_clerk, handling_officer, offices):
    case = register(window_clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity", "transfer"):
        case = act(window_clerk, case, action)

    response = post_action(
        client_for(window_clerk), case, "ship_materials", carrier="EMS", tracking_number="12"
    )

    assert response.status_code == 400
    assert "This value does not match the required pattern." in response.content.decode()
    assert 'value="EMS"' in response.content.decode()
    assert not case.shipments.exists()


def test_a_stale_version_shows_the_conflict(handling_officer, second_officer, submitted):  # noqa: F811
    officer = client_for(handling_officer)
    values = form_values(page(officer, submitted).content.decode(), submitted.number, "refuse")
    act(second_officer, submitted, "accept")

    response = officer.post(f"/cases/{submitted.number}/act/refuse/", {**values, "reason": "材料不符"})

    assert response.status_code == 409
    html = response.content.decode()
    assert "The case changed since you loaded it" in html
    assert "Status now: Accepted." in html
    assert Case.objects.get(pk=submitted.pk).status == "accepted"


def test_a_double_click_applies_once(handling_officer, submitted):
    officer = client_for(handling_officer)
    values = form_values(page(officer, submitted).content.decode(), submitted.number, "accept")

    first = officer.post(f"/cases/{submitted.number}/act/accept/", values)
    second = officer.post(f"/cases/{submitted.number}/act/accept/", values)

    assert (first.status_code, second.status_code) == (302, 302)
    assert CaseEvent.objects.filter(case=submitted, action="accept").count() == 1
    assert "was already done" in officer.get(second["Location"]).content.decode()


def test_a_supervisor_who_posts_an_action_is_refused(supervisor_b, submitted):
    response = client_for(supervisor_b).post(
        f"/cases/{submitted.number}/act/accept/",
        {"idempotency_key": "3f0c8a9e-1111-4c4c-9a9a-000000000001", "version": submitted.version},
    )

    assert response.status_code == 403
    assert Case.objects.get(pk=submitted.pk).status == "submitted"


def test_an_outsider_gets_404(outsider, submitted):  # noqa: F811
    client = client_for(outsider)

    assert page(client, submitted).status_code == 404
    assert client.post(f"/cases/{submitted.number}/act/accept/", {}).status_code == 404
    assert client.post(f"/cases/{submitted.number}/reveal/").status_code == 404
    assert client.get(f"/cases/{submitted.number}/print/acceptance/").status_code == 404
    assert not RevealRecord.objects.exists()


def test_a_reveal_is_recorded_and_shows_the_full_data(handling_officer, submitted):
    officer = client_for(handling_officer)
    masked = page(officer, submitted).content.decode()
    assert PERSON["id_number"] not in masked and "110105********002X" in masked

    response = officer.post(f"/cases/{submitted.number}/reveal/")

    assert response.status_code == 200
    html = response.content.decode()
    assert PERSON["id_number"] in html and PERSON["name"] in html and PERSON["phone"] in html
    record = RevealRecord.objects.get()
    assert (record.case_number, record.user, record.what) == (submitted.number, handling_officer, "applicant")
    assert PERSON["id_number"] not in page(officer, submitted).content.decode()  # one request only


def test_a_reveal_is_not_done_on_a_get_nor_offered_to_a_supervisor(supervisor_b, submitted):
    supervisor = client_for(supervisor_b)

    assert "/reveal/" not in page(supervisor, submitted).content.decode()
    assert supervisor.get(f"/cases/{submitted.number}/reveal/").status_code == 405
    assert supervisor.post(f"/cases/{submitted.number}/reveal/").status_code == 403
    assert not RevealRecord.objects.exists()


def test_the_correction_notice_lists_every_missing_material(applicant, handling_officer, submitted):
    officer = client_for(handling_officer)
    notice = f"/cases/{submitted.number}/print/correction/"
    assert officer.get(notice).status_code == 404  # no correction requested yet

    post_action(
        officer, submitted, "request_correction", missing="1. 居民身份证复印件\n2、户口簿复印件；近期照片"
    )
    html = officer.get(notice).content.decode()

    listed = re.search(r'<ol class="missing">(.*?)</ol>', html, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", listed) == ["居民身份证复印件", "户口簿复印件", "近期照片"]
    assert "张**" in html and PERSON["name"] not in html  # staff see the applicant masked
    assert PERSON["name"] in client_for(applicant).get(notice).content.decode()


def test_a_material_opens_inline_and_a_staff_opening_is_recorded(
    applicant, handling_officer, supervisor_b, submitted, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    owner = client_for(applicant)
    values = form_values(page(owner, submitted).content.decode(), submitted.number, "add_material")
    upload = SimpleUploadedFile("户口簿.pdf", PDF, content_type="application/pdf")
    assert (
        owner.post(
            f"/cases/{submitted.number}/act/add_material/", {**values, "kind": "material", "file": upload}
        ).status_code
        == 302
    )
    material = submitted.materials.get()
    url = f"/cases/{submitted.number}/materials/{material.pk}/"
    assert url in page(client_for(handling_officer), submitted).content.decode()

    response = client_for(handling_officer).get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == PDF
    assert RevealRecord.objects.get().what == f"material:{material.pk} 户口簿.pdf"
    assert client_for(supervisor_b).get(url).status_code == 403
    assert client_for(applicant).get(url).status_code == 200
    assert RevealRecord.objects.count() == 1


def test_while_a_correction_is_requested_the_applicant_sees_what_is_missing_above_the_upload(
    applicant, handling_officer, submitted
):
    post_action(
        client_for(handling_officer), submitted, "request_correction", missing="1. 户口簿本人页\n2. 近期照片"
    )

    html = page(client_for(applicant), submitted).content.decode()

    missing = re.search(r'<section class="panel missing-now".*?<ol class="missing">(.*?)</ol>', html, re.S)
    assert re.findall(r"<li>(.*?)</li>", missing.group(1)) == ["户口簿本人页", "近期照片"]
    # What answers the request comes first: the upload, then resubmitting.
    assert html.index("/act/add_material/") < html.index("/act/resubmit/")


def test_no_missing_list_is_shown_once_the_case_is_resubmitted(applicant, handling_officer, submitted):
    post_action(client_for(handling_officer), submitted, "request_correction", missing="户口簿本人页")
    post_action(client_for(applicant), submitted, "resubmit")

    html = page(client_for(applicant), submitted).content.decode()

    assert Case.objects.get(pk=submitted.pk).status == "submitted"
    assert "missing-now" not in html


def test_the_applicant_finds_the_result_delivered_online_at_the_top_of_the_case(
    applicant, handling_officer, submitted
):
    case = submitted
    for action in ("accept", "start_review", "approve"):
        case = act(handling_officer, case, action)
    assert "result-now" not in page(client_for(applicant), case).content.decode()
    case = act(handling_officer, case, "deliver_online")

    html = page(client_for(applicant), case).content.decode()
    staff_html = page(client_for(handling_officer), case).content.decode()

    result = re.search(r'<section class="panel result-now".*?</section>', html, re.S).group(0)
    assert f'href="/cases/{case.number}/print/result/"' in result
    delivered = CaseEvent.objects.get(case=case, action="deliver_online").created_at
    assert timezone.localtime(delivered).strftime("%Y-%m-%d %H:%M") in result
    assert "result-now" not in staff_html


def test_a_printable_notice_has_a_print_button_served_by_the_portal(applicant, handling_officer, submitted):
    act(handling_officer, submitted, "accept")

    html = client_for(applicant).get(f"/cases/{submitted.number}/print/acceptance/").content.decode()

    assert '<button type="button" class="print-button" data-print hidden>' in html
    assert '<script src="/static/js/applicant.js" defer></script>' in html


def test_the_postal_address_for_the_result_is_shown_to_staff_only_with_the_full_personal_data(
    applicant, handling_officer, offices
):
    address = "广东省深圳市南山区粤海街道科技园路1号"
    case = register(applicant, "online", offices, delivery_method="post", delivery_address=address)
    officer = client_for(handling_officer)

    assert address not in page(officer, case).content.decode()
    assert address in officer.post(f"/cases/{case.number}/reveal/").content.decode()
    assert address in page(client_for(applicant), case).content.decode()
