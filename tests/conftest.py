"""Personas and the shared database of the suite.

The reference data (22 departments, 3,214 regions, 140 items) is loaded once per test
session; every test runs in a transaction that is rolled back.
"""

import os

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from cases import roles
from catalogue import reference


def pytest_sessionstart(session):
    """A configured broker that cannot be reached fails the run; it never skips tests."""
    broker = os.environ.get("CELERY_BROKER_URL")
    if not broker:
        return
    from kombu import Connection

    try:
        with Connection(broker, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as error:  # noqa: BLE001 (any failure to connect is fatal here)
        pytest.exit(f"CELERY_BROKER_URL={broker} is configured but unreachable: {error}", returncode=3)


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Tests create many accounts: a fast hasher instead of PBKDF2's deliberate ~1 s per password."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def site_language():
    """Each test starts in the site's language: the test client's requests leave the language they
    asked for (LocaleMiddleware) active in the thread, and a later test reading labels would get it."""
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Throttle counts (tracking, tokens) live in the cache: each test starts with none used. The
    working-day calendar a process keeps goes too: a transactional test's rows are flushed at its
    end without the signals that would tell the process."""
    from django.core.cache import cache

    from cases import calendar

    cache.clear()
    calendar.forget()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        reference.load_reference_data()
        roles.ensure_role_groups()


@pytest.fixture
def reference_committed(transactional_db):
    """Transactional tests start from an empty database: load the reference data for real."""
    reference.load_reference_data()
    roles.ensure_role_groups()


def make_user(username: str, role: str | None = None, **extra):
    user = get_user_model().objects.create_user(username=username, password="pw-for-tests-1", **extra)
    if role:
        user.groups.add(roles.ensure_role_groups()[role])
    return user


def make_applicant(username: str, **identity):
    """An applicant account with a verified identity (the person of tests.builders.PERSON by default)."""
    from cases.models import ApplicantProfile
    from tests.builders import PERSON

    user = make_user(username, roles.APPLICANT)
    fields = {**{k: PERSON[k] for k in ("kind", "name", "id_type", "id_number", "phone")}, **identity}
    ApplicantProfile.objects.create(user=user, verified_at=timezone.now(), **fields)
    return user


@pytest.fixture
def applicant(db):
    return make_applicant("applicant")


@pytest.fixture
def admin_user(db):
    """A catalogue admin: staff with the catalogue permissions, not a superuser."""
    return make_user("catalogue_admin", roles.CATALOGUE_ADMIN, is_staff=True)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def admin_api(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client
