"""One login page for every role, the lockout page, applicant registration and the header."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from cases.models import ApplicantProfile

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"  # tests/conftest.py make_user


def start_page(url_name: str) -> str:
    """The role's start page, or the home page while another engineer has not built it yet."""
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return "/"


def log_in(client, username, password=PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password, **extra})


@pytest.mark.parametrize(
    ("persona", "url_name"),
    [
        ("applicant", "cases:my_cases"),
        ("window_clerk", "cases:clerk_home"),
        ("handling_officer", "cases:officer_inbox"),
        ("supervisor_b", "cases:supervisor_home"),
        ("admin_user", "admin:index"),
    ],
)
def test_each_role_logs_in_on_the_same_page_and_lands_on_its_start_page(request, client, persona, url_name):
    user = request.getfixturevalue(persona)
    reply = log_in(client, user.username)
    assert reply.status_code == 302
    assert reply["Location"] == start_page(url_name)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_safe_next_wins_and_another_site_is_ignored(client, handling_officer):
    assert log_in(client, "officer_b", next="/items/")["Location"] == "/items/"
    client.post("/logout/")
    reply = log_in(client, "officer_b", next="https://evil.example/steal")
    assert reply["Location"] == start_page("cases:officer_inbox")


def test_the_login_page_is_the_sites_and_a_wrong_password_is_said_at_the_top(client, applicant):
    page = client.get("/login/")
    assert page.status_code == 200
    assert [t.name for t in page.templates][:1] == ["registration/login.html"]
    wrong = log_in(client, "applicant", "not-the-password")
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    assert 'class="error-summary"' in wrong.content.decode()


def test_logging_out_is_a_post_and_goes_home(client, applicant):
    client.force_login(applicant)
    assert client.get("/logout/").status_code == 405
    reply = client.post("/logout/")
    assert reply.status_code == 302 and reply["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_a_locked_out_login_shows_the_lockout_page_in_chinese_with_429(applicant):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(5):
        log_in(client, "applicant", "guess")
    locked = log_in(client, "applicant")  # the right password, too late
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "cases/accounts/lockout.html" in [t.name for t in locked.templates]
    text = locked.content.decode()
    assert '<html lang="zh-hans">' in text
    with translation.override("zh-hans"):
        assert translation.gettext("Logging in is paused") in text
    assert 'class="site-header"' in text  # the site's own page, header and all


def person(**changes) -> dict:
    data = {
        "username": "zhang_sanfeng",
        "password1": "a-long-Pass-phrase-2026",
        "password2": "a-long-Pass-phrase-2026",
        "kind": "person",
        "name": "张三丰",
        "id_type": "resident_id",
        "id_number": "１１０１０５ １９４９１２３１ ００２ｘ",  # full width, spaces, a lower-case x
        "phone": "138 1234 5678",
    }
    return {**data, **changes}


def test_registering_as_a_person_creates_an_account_with_a_verified_identity_and_logs_in(client):
    reply = client.post("/register/", person())
    assert reply.status_code == 302 and reply["Location"] == start_page("cases:my_cases")
    user = get_user_model().objects.get(username="zhang_sanfeng")
    profile = ApplicantProfile.objects.get(user=user)
    assert (profile.kind, profile.name, profile.id_number, profile.phone) == (
        "person",
        "张三丰",
        "11010519491231002X",
        "13812345678",
    )
    assert profile.verified_at is not None
    assert client.session["_auth_user_id"] == str(user.pk)


def test_registering_an_organisation_records_its_credit_code_and_the_person_acting_for_it(client):
    reply = client.post(
        "/register/",
        person(
            kind="organisation",
            name="",
            id_number="",
            org_name="演示科技有限公司",
            credit_code="91110000600037341l",
            contact_name="张三丰",
            contact_id_type="resident_id",
            contact_id_number="11010519491231002X",
        ),
    )
    assert reply.status_code == 302
    profile = ApplicantProfile.objects.get(user__username="zhang_sanfeng")
    assert (profile.kind, profile.name, profile.id_type, profile.id_number) == (
        "organisation",
        "演示科技有限公司",
        "uscc",
        "91110000600037341L",
    )
    assert (profile.contact_name, profile.contact_id_number) == ("张三丰", "11010519491231002X")


def test_a_bad_id_number_keeps_what_was_typed_and_shows_the_error_beside_the_field_and_in_the_summary(client):
    reply = client.post("/register/", person(id_number="110105194912310021"))
    assert reply.status_code == 200
    assert not get_user_model().objects.filter(username="zhang_sanfeng").exists()
    form = reply.context["form"]
    message = form.errors["id_number"][0]
    text = reply.content.decode()
    # beside the field, described by it, and in the summary linking to it
    assert '<p class="field-error" id="id_id_number_error">' in text
    assert (
        'aria-invalid="true"' in text
        and 'aria-describedby="id_id_number_helptext id_id_number_error"' in text
    )
    summary = text.split('class="error-summary"')[1].split("</div>")[0]
    assert 'href="#id_id_number"' in summary and message in summary
    # what was typed is kept, except the passwords
    assert (
        'value="110105194912310021"' in text and 'value="张三丰"' in text and 'value="138 1234 5678"' in text
    )
    assert "a-long-Pass-phrase-2026" not in text


def test_a_taken_username_and_a_weak_password_are_told_with_the_identity_errors(client, applicant):
    reply = client.post(
        "/register/", person(username="applicant", password1="12345678", password2="12345679", name="")
    )
    assert reply.status_code == 200
    assert set(reply.context["form"].errors) >= {"username", "password1", "password2", "name"}


def test_the_header_shows_who_is_logged_in_and_their_office(client, handling_officer):
    handling_officer.first_name = "王经办"
    handling_officer.save()
    client.force_login(handling_officer)
    text = client.get("/").content.decode()
    header = text.split("</header>")[0]
    assert "王经办" in header and "成都市公安局锦江区分局" in header
    assert f'action="{reverse("cases:logout")}" method="post"' in header
    assert f'href="{reverse("cases:start")}"' in header and 'href="/login/"' not in header


def test_the_header_offers_visitors_the_list_tracking_and_log_in_and_a_skip_link(client):
    text = client.get("/").content.decode()
    header = text.split("</header>")[0]
    assert '<a class="skip-link" href="#main">' in header and 'id="main"' in text
    for url in ("/items/", "/track/", "/login/"):
        assert f'href="{url}"' in header
    assert 'lang="en"' in header and "English" in header and "简体中文" in header
    assert reverse("api-docs") in text.split("<footer")[1]
    assert "onchange" not in text and "<script" not in text
