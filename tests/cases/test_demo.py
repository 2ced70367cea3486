import io

import pytest
from django.core.management import call_command
from django.test import TestCase

from cases.models import Case, HandoffMessage, StaffProfile
from cases.selectors import actor_for, inbox_for

pytestmark = pytest.mark.django_db


def test_the_demo_is_a_living_system_and_is_created_once():
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("setup_portal", "--demo", stdout=io.StringIO())
    cases = Case.objects.all()
    assert {c.mode for c in cases} == {"online", "proxy", "joint"}
    assert len({c.status for c in cases}) >= 5
    provinces = {p.office.region_id[:2] for p in StaffProfile.objects.select_related("office")}
    assert provinces >= {"44", "51", "43"}
    assert {p.role for p in StaffProfile.objects.all()} == {"window_clerk", "handling_officer", "supervisor"}
    assert HandoffMessage.objects.filter(status="failed").count() == 1
    officer = StaffProfile.objects.get(user__username="demo_officer").user
    box = inbox_for(actor_for(officer))
    assert len(box["overdue"]) == 1 and len(box["due_soon"]) == 1 and len(box["to_accept"]) == 1
    count = cases.count()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("setup_portal", "--demo", stdout=io.StringIO())
    assert Case.objects.count() == count
