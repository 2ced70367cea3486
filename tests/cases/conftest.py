"""Offices in three provinces and their staff, for the case tests."""

import pytest
from django.test import TestCase
from rest_framework.test import APIClient

from cases import roles
from cases.models import Office, StaffProfile
from catalogue.models import Department
from tests.conftest import make_applicant, make_user


def office(code, name, kind, region, department=None):
    dept = Department.objects.get(code=department) if department else None
    return Office.objects.create(code=code, name=name, kind=kind, region_id=region, department=dept)


@pytest.fixture
def offices(db):
    return {
        # 广东 深圳 南山: a window hall where people hand in paper
        "hall_a": office("gd-nanshan-hall", "深圳市南山区政务服务中心", "hall", "440305"),
        # 四川 成都 锦江: the handling department where the records are
        "dept_b": office("sc-jinjiang-mps", "成都市公安局锦江区分局", "department", "510104", "MPS"),
        # 湖南 长沙 芙蓉: a cooperating region's department
        "dept_c": office(
            "hn-furong-hrss", "长沙市芙蓉区人力资源和社会保障局", "department", "430102", "MOHRSS"
        ),
        # 广东 深圳: the accepting department of joint cases
        "dept_a": office("gd-nanshan-hrss", "深圳市南山区人力资源局", "department", "440305", "MOHRSS"),
        # 浙江 杭州: an office with nothing to do with these cases
        "dept_x": office("zj-shangcheng-mps", "杭州市公安局上城区分局", "department", "330102", "MPS"),
    }


def staff(username, office, role):
    user = make_user(username, role)
    StaffProfile.objects.create(user=user, office=office, role=role)
    return user


@pytest.fixture
def window_clerk(offices):
    return staff("clerk_a", offices["hall_a"], roles.WINDOW_CLERK)


@pytest.fixture
def handling_officer(offices):
    return staff("officer_b", offices["dept_b"], roles.HANDLING_OFFICER)


@pytest.fixture
def second_officer(offices):
    return staff("officer_b2", offices["dept_b"], roles.HANDLING_OFFICER)


@pytest.fixture
def receiving_officer(offices):
    return staff("officer_a", offices["dept_a"], roles.HANDLING_OFFICER)


@pytest.fixture
def leg_officer(offices):
    return staff("officer_c", offices["dept_c"], roles.HANDLING_OFFICER)


@pytest.fixture
def outsider(offices):
    return staff("officer_x", offices["dept_x"], roles.HANDLING_OFFICER)


@pytest.fixture
def supervisor_b(offices):
    return staff("supervisor_b", offices["dept_b"], roles.SUPERVISOR)


@pytest.fixture
def other_applicant(db):
    return make_applicant("other_applicant", name="李四", id_number="44030519850615002X")


class DeliveringClient(APIClient):
    """Runs what a request queued for after commit (handoff publishing) when the request ends.

    The test's transaction never commits, so this stands in for the commit; the real commit
    path is tested with a real worker in test_handoffs_with_a_worker.py.
    """

    def request(self, *args, **kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(*args, **kwargs)


def client_for(user) -> APIClient:
    client = DeliveringClient()
    client.force_authenticate(user)
    return client


@pytest.fixture(autouse=True)
def tasks_in_process(settings):
    """Unit tests deliver in-process even when CI configured a broker (the worker tests use it)."""
    from kuasheng.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
