"""Password guessing is stopped: after 5 failures for a username from an address, logins are refused."""

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_throttles():
    cache.clear()


def test_the_admin_login_locks_out_after_five_failures(admin_user):
    client = Client()
    for _ in range(5):
        client.post("/admin/login/", {"username": "catalogue_admin", "password": "wrong"})
    locked = client.post("/admin/login/", {"username": "catalogue_admin", "password": "pw-for-tests-1"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_an_api_token_is_given_for_the_right_password_and_refused_after_guessing(db):
    make_user("clerk")
    api = APIClient()
    good = api.post("/api/v1/auth/token/", {"username": "clerk", "password": "pw-for-tests-1"})
    assert good.status_code == 200 and len(good.json()["token"]) == 64
    token = good.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/notifications/").status_code == 200
    api.credentials()
    codes = [
        api.post("/api/v1/auth/token/", {"username": "clerk", "password": "guess"}).status_code
        for _ in range(5)
    ]
    assert codes == [400, 400, 400, 400, 429]  # the fifth failure locks the account out from here
    locked = api.post("/api/v1/auth/token/", {"username": "clerk", "password": "pw-for-tests-1"})
    assert locked.status_code == 429 and "token" not in locked.json()


def test_a_token_given_after_a_few_wrong_guesses_starts_the_count_again(db):
    make_user("clerk")
    api = APIClient()

    def guesses(n):
        return [
            api.post("/api/v1/auth/token/", {"username": "clerk", "password": "guess"}).status_code
            for _ in range(n)
        ]

    assert guesses(4) == [400] * 4
    assert (
        api.post("/api/v1/auth/token/", {"username": "clerk", "password": "pw-for-tests-1"}).status_code
        == 200
    )
    assert guesses(4) == [400] * 4  # not locked out: the success reset the failures
