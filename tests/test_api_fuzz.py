"""The API against its own OpenAPI schema, fuzzed (schemathesis): no 5xx, and no answer the schema
does not describe (status, content type, body, headers), for anonymous callers and for a
handling officer with a token.

In-process through the WSGI application, inside the test's database transaction; each request
runs in a savepoint that is rolled back, so every example starts from the same few cases. A
fixed seed and a bounded number of examples keep a run the same on every machine and short
enough for CI (see FUZZ_EXAMPLES).
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from rest_framework.throttling import ScopedRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client as WsgiClient

from cases import roles
from tests.builders import register
from tests.cases.conftest import (
    office,
    staff,
    tasks_in_process,  # noqa: F401 (autouse: handoffs run in-process)
)

pytestmark = pytest.mark.django_db

# Examples per operation in the fuzzing phase (the coverage phase adds its own boundary cases):
# about 2 minutes for both runs on 2 cores. FUZZ_EXAMPLES=200 for a longer search.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
SEED = 20261129
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def app():
    """The WSGI application, minus the per-request connection check that would end the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, applicant, settings):
    """A few offices and cases for the fuzzer to find: numbers, codes and ids it may use."""
    # Every failed login hashes the password it was given; the fuzzer tries hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    offices = {
        "hall_a": office("gd-nanshan-hall", "深圳市南山区政务服务中心", "hall", "440305"),
        "dept_b": office("sc-jinjiang-mps", "成都市公安局锦江区分局", "department", "510104", "MPS"),
    }
    officer = staff("officer_b", offices["dept_b"], roles.HANDLING_OFFICER)
    clerk = staff("clerk_a", offices["hall_a"], roles.WINDOW_CLERK)
    cases = [register(applicant, "online", offices), register(clerk, "proxy", offices)]
    return {"officer": officer, "offices": offices, "cases": cases}


@pytest.fixture
def api_schema(app, world, monkeypatch):
    # Throttles count in the cache, which the savepoints do not roll back.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {})
    monkeypatch.setattr(ScopedRateThrottle, "get_rate", lambda self: None)
    numbers = [case.number for case in world["cases"]]
    codes = ["KS-2-001", "KS-1-007", "MPS", "510104", "440000"] + [o.code for o in world["offices"].values()]
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "suppress-health-check": ["too_slow"],  # a slow CI machine is not a failure
            "generation": {"max-examples": FUZZ_EXAMPLES, "deterministic": True, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
            "dictionaries": {"numbers": {"values": numbers}, "codes": {"values": codes}},
            "parameters": {
                "path.number": {"dictionary": "numbers", "probability": 0.5},
                "path.code": {"dictionary": "codes", "probability": 0.5},
                "query.item": {"dictionary": "codes", "probability": 0.3},
                "query.region": {"dictionary": "codes", "probability": 0.3},
            },
        }
    )
    schema = schemathesis.openapi.from_wsgi("/api/schema/", app, config=config)
    return schema.exclude(path_regex=r"^/api/(schema|docs)")


@pytest.fixture
def officer_token(app, world):
    # Through the application itself: Django's test client would reconnect the connection check.
    reply = WsgiClient(app).post(
        "/api/v1/auth/token/", data={"username": "officer_b", "password": "pw-for-tests-1"}
    )
    assert reply.status_code == 200, reply.text
    return reply.json["token"]


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def node_id_for_schemathesis(request):
    # schemathesis 4.32.5 names each operation's subtest from Node._nodeid, which pytest 9.2 dropped.
    request.node._nodeid = request.node.nodeid


def call_and_check(case, headers=None):
    with transaction.atomic():  # a savepoint: every example starts from the same database
        response = case.call(headers=headers)
        transaction.set_rollback(True)
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
def test_the_api_keeps_to_its_schema_for_anonymous_callers(case):
    call_and_check(case)


@schema.parametrize()
def test_the_api_keeps_to_its_schema_for_a_handling_officer(case, officer_token):
    call_and_check(case, headers={"Authorization": f"Token {officer_token}"})
