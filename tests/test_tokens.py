"""API tokens expire, their owner revokes them, admins revoke anyone's, and clients without one get 401."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken
from rest_framework.test import APIClient

from cases import tasks
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_throttles():
    cache.clear()


def obtain_token(username: str) -> dict:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": "pw-for-tests-1"})
    assert response.status_code == 200, response.content
    return response.json()


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_is_given_with_its_expiry_eight_hours_ahead(db):
    make_user("clerk")
    before = timezone.now()
    body = obtain_token("clerk")
    expiry = parse_datetime(body["expiry"])
    assert before + timedelta(hours=8) <= expiry <= timezone.now() + timedelta(hours=8)
    assert body["expiry"].endswith("+08:00")  # said in the portal's time zone


def test_a_token_works_until_it_expires_and_then_gets_401(db):
    make_user("clerk")
    token = obtain_token("clerk")["token"]
    with time_machine.travel(timezone.now() + timedelta(hours=7, minutes=59)):
        assert client_with(token).get("/api/v1/notifications/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=8, minutes=1)):
        response = client_with(token).get("/api/v1/notifications/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_request_reads_no_other_token_and_the_hourly_task_deletes_the_expired_ones(
    db, django_assert_num_queries
):
    make_user("clerk")
    old = obtain_token("clerk")["token"]
    with time_machine.travel(timezone.now() + timedelta(hours=5)):
        token = obtain_token("clerk")["token"]
        client = client_with(token)
        client.get("/api/v1/notifications/")  # warm: the first request of a process reads more
    with time_machine.travel(timezone.now() + timedelta(hours=9)):
        # The old token expired: it stays until the task runs, and refuses to authenticate meanwhile.
        with django_assert_num_queries(2):  # the token with its user, and the notifications (knox: 3)
            assert client.get("/api/v1/notifications/").status_code == 200
        assert AuthToken.objects.count() == 2
        assert client_with(old).get("/api/v1/notifications/").status_code == 401  # and deleted
        assert AuthToken.objects.count() == 1
    with time_machine.travel(timezone.now() + timedelta(hours=14)):
        assert tasks.clear_expired_tokens() == 1  # the task's body, in this process
    assert not AuthToken.objects.exists()


def test_using_a_token_does_not_extend_its_life(db):
    make_user("clerk")
    body = obtain_token("clerk")
    with time_machine.travel(timezone.now() + timedelta(hours=4)):
        assert client_with(body["token"]).get("/api/v1/notifications/").status_code == 200
    assert AuthToken.objects.get().expiry == parse_datetime(body["expiry"])


def test_the_lifetime_is_set_by_token_ttl_hours(db, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(hours=1)}
    make_user("clerk")
    before = timezone.now()
    expiry = parse_datetime(obtain_token("clerk")["expiry"])
    assert before + timedelta(hours=1) <= expiry <= timezone.now() + timedelta(hours=1)


def test_only_a_digest_of_the_token_is_stored(db):
    make_user("clerk")
    token = obtain_token("clerk")["token"]
    stored = AuthToken.objects.get()
    assert token not in (stored.digest, stored.token_key) and len(stored.token_key) < len(token)


def test_the_owner_revokes_the_token_used_and_it_gets_401_after(db):
    make_user("clerk")
    revoked, kept = obtain_token("clerk")["token"], obtain_token("clerk")["token"]
    assert client_with(revoked).post("/api/v1/auth/logout/").status_code == 204
    assert client_with(revoked).get("/api/v1/notifications/").status_code == 401
    assert client_with(kept).get("/api/v1/notifications/").status_code == 200


def test_the_owner_revokes_all_their_tokens_and_no_one_elses(db):
    make_user("clerk")
    make_user("officer")
    first, second = obtain_token("clerk")["token"], obtain_token("clerk")["token"]
    others = obtain_token("officer")["token"]
    assert client_with(first).post("/api/v1/auth/logoutall/").status_code == 204
    assert client_with(first).get("/api/v1/notifications/").status_code == 401
    assert client_with(second).get("/api/v1/notifications/").status_code == 401
    assert client_with(others).get("/api/v1/notifications/").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/auth/logout/", "/api/v1/auth/logoutall/"])
def test_revoking_without_a_token_is_a_401(api, path):
    assert api.post(path).status_code == 401


def test_an_anonymous_request_for_cases_gets_401_asking_for_a_token(api):
    response = api.get("/api/v1/cases/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_an_unknown_or_malformed_token_gets_401(api):
    for header in ("Token " + "0" * 64, "Token not-a-token", "Token", "Token a b"):
        assert api.get("/api/v1/cases/", HTTP_AUTHORIZATION=header).status_code == 401, header


def test_a_browser_session_still_works_for_the_api(db):
    browser = Client()
    browser.force_login(make_user("clerk"))
    assert browser.get("/api/v1/notifications/").status_code == 200


def token_admin(**permissions) -> Client:
    admin = make_user("token_admin", is_staff=True)
    for codename in permissions:
        admin.user_permissions.add(Permission.objects.get(content_type__app_label="knox", codename=codename))
    client = Client()
    client.force_login(admin)
    return client


def test_an_admin_with_the_permission_revokes_a_users_token_in_the_admin(db):
    make_user("clerk")
    token = obtain_token("clerk")["token"]
    admin = token_admin(view_authtoken=True, delete_authtoken=True)
    listing = admin.get("/admin/knox/authtoken/")
    assert listing.status_code == 200
    assert "接口令牌" in listing.content.decode() and "clerk" in listing.content.decode()
    digest = AuthToken.objects.get().digest
    confirmed = admin.post(f"/admin/knox/authtoken/{digest}/delete/", {"post": "yes"})
    assert confirmed.status_code == 302
    assert not AuthToken.objects.exists()
    assert client_with(token).get("/api/v1/notifications/").status_code == 401


def test_an_admin_without_the_permission_cannot_revoke_tokens(db):
    make_user("clerk")
    obtain_token("clerk")
    admin = token_admin(view_authtoken=True)
    digest = AuthToken.objects.get().digest
    assert admin.post(f"/admin/knox/authtoken/{digest}/delete/", {"post": "yes"}).status_code == 403
    assert AuthToken.objects.count() == 1


def test_tokens_cannot_be_made_or_edited_in_the_admin(db):
    make_user("clerk")
    obtain_token("clerk")
    admin = token_admin(view_authtoken=True, add_authtoken=True, change_authtoken=True)
    assert admin.get("/admin/knox/authtoken/add/").status_code == 403
    digest = AuthToken.objects.get().digest
    before = AuthToken.objects.get().expiry
    admin.post(f"/admin/knox/authtoken/{digest}/change/", {"expiry_0": "2099-01-01", "expiry_1": "00:00"})
    assert AuthToken.objects.get().expiry == before
