"""The volume generator (`manage.py generate_cases`): its cases are ones the portal could have made."""

import io
import re
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from cases import identity, selectors
from cases.models import (
    Applicant,
    Case,
    CaseNumberSequence,
    HandoffMessage,
    InboxEntry,
    Leg,
    Office,
    StaffProfile,
)

CASES = 300


@pytest.fixture
def generated(db):
    before = Case.objects.count()
    call_command("generate_cases", cases=CASES, seed=3, chunk=120, force=True, stdout=io.StringIO())
    return Case.objects.order_by("id")[before:]


def test_it_generates_the_number_of_cases_asked_for_each_with_its_own_applicant(generated):
    cases = list(generated)
    assert len(cases) == CASES
    assert len({case.applicant_id for case in cases}) == CASES
    assert Applicant.objects.filter(case__in=cases).count() == CASES


def test_case_numbers_are_unique_well_formed_and_ahead_of_nothing_the_sequences_know(generated):
    numbers = [case.number for case in generated]
    assert len(set(numbers)) == CASES
    for number in numbers:
        assert re.fullmatch(r"\d{6}-\d{8}-[OPJ]-\d{5}", number)
    last = {
        (row.region_code, row.day.strftime("%Y%m%d")): row.last for row in CaseNumberSequence.objects.all()
    }
    for number in numbers:
        region, day, _mode, sequence = number.split("-")
        assert int(sequence) <= last[(region, day)]


def test_cases_spread_over_the_three_modes_with_most_concluded_and_some_open(generated):
    modes = Counter(case.mode for case in generated)
    assert set(modes) == {"online", "proxy", "joint"}
    final = sum(case.status in ("concluded", "refused", "withdrawn") for case in generated)
    assert 0.7 * CASES < final < CASES


def test_applicants_have_well_formed_id_numbers(generated):
    for applicant in Applicant.objects.filter(case__in=list(generated)):
        assert identity.validate_id(applicant.id_number, applicant.id_type) == applicant.id_number


def test_every_case_starts_with_its_filing_event_and_has_as_many_events_as_its_version(generated):
    for case in generated.prefetch_related("events"):
        events = sorted(case.events.all(), key=lambda event: event.pk)
        assert events[0].action in ("submit", "register")
        assert events[-1].to_status == case.status or events[-1].leg_id
        assert len(events) == case.version


def test_each_transferred_proxy_case_has_its_transfer_handoff_to_the_handling_office(generated):
    proxy = generated.filter(mode="proxy")
    transferred = proxy.filter(events__action="transfer").distinct()
    assert transferred.exists()
    for case in transferred:
        assert HandoffMessage.objects.filter(
            case=case, kind="transfer", to_office=case.handling_office
        ).exists()
    never = proxy.exclude(pk__in=transferred.values("pk"))
    assert not HandoffMessage.objects.filter(case__in=never, kind="transfer").exists()


def test_each_leg_of_an_accepted_joint_case_was_sent_to_its_office(generated):
    accepted = generated.filter(mode="joint", events__action="accept").distinct()
    assert accepted.exists()
    for leg in Leg.objects.filter(case__in=accepted):
        assert HandoffMessage.objects.filter(
            case=leg.case, leg=leg, kind="leg_created", to_office=leg.office
        ).exists()
    assert not Leg.objects.filter(case__in=accepted, status="planned").exists()


def test_delivered_messages_are_in_the_inbox_of_the_office_they_were_sent_to(generated):
    messages = HandoffMessage.objects.filter(case__in=list(generated))
    delivered = messages.filter(status="delivered")
    assert delivered.count() == InboxEntry.objects.filter(case__in=list(generated)).count()
    for entry in InboxEntry.objects.filter(case__in=list(generated)).select_related("message")[:50]:
        assert entry.office_id == entry.message.to_office_id


def test_a_generated_officer_sees_the_cases_handed_to_the_office_and_no_others(generated):
    case = generated.filter(mode="proxy", events__action="transfer").first()
    officer = StaffProfile.objects.get(office=case.handling_office, user__username__startswith="gen_").user
    actor = selectors.actor_for(officer)
    seen = set(selectors.cases_visible_to(officer, actor).values_list("pk", flat=True))
    office = case.handling_office_id
    expected = set(Case.objects.filter(receiving_office_id=office).values_list("pk", flat=True)) | set(
        HandoffMessage.objects.filter(to_office_id=office).values_list("case_id", flat=True)
    )
    assert case.pk in seen
    assert seen == expected
    box = selectors.inbox_for(actor)
    assert set(box) >= {"arrivals", "to_sign", "overdue"}


def test_generated_offices_are_labelled_as_generated_demo_offices(generated):
    offices = Office.objects.filter(code__startswith="gen-")
    assert offices.count() > 34 * 3
    assert not offices.filter(is_demo=False).exists()
    assert all("（生成）" in name for name in offices.values_list("name", flat=True)[:100])


def test_running_it_twice_adds_cases_without_new_offices_or_colliding_numbers(generated):
    offices = Office.objects.count()
    call_command("generate_cases", cases=50, seed=4, force=True, stdout=io.StringIO())
    assert Office.objects.count() == offices
    assert Case.objects.values("number").distinct().count() == Case.objects.count()


@pytest.mark.django_db
def test_it_refuses_a_database_served_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("generate_cases", cases=10, stdout=io.StringIO())
    assert not Case.objects.exists()
