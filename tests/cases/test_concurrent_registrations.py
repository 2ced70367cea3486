"""Registrations at the same moment: one key files one case, and one account's cases do not queue.

A retried registration (same Idempotency-Key) racing its original files exactly one case. Two
different registrations of one account, at one receiving region and day, are in flight together:
nothing locks the account, and the case-number sequence is taken only at the end of the transaction.
"""

import threading

import pytest
from django.conf import settings
from django.db import connection

from cases import registration, selectors
from cases.models import Case, CaseNumberSequence
from cases.serializers import CaseCreateSerializer
from tests.builders import case_payload

pytestmark = pytest.mark.django_db(transaction=True)

ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def registration_data(offices, mode="online") -> dict:
    payload = case_payload(mode, offices)
    if mode == "online":
        del payload["applicant"]  # each applicant files in their own verified name
    form = CaseCreateSerializer(data=payload)
    form.is_valid(raise_exception=True)
    return form.validated_data


def in_threads(count: int, work) -> list:
    """Run `work(index)` in `count` threads started together; what each returned or raised."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        barrier.wait()
        try:
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 (reported by the assertions)
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_requests_racing_with_the_same_key_file_exactly_one_case(reference_committed, offices, applicant):
    data = registration_data(offices)

    def register(_index):
        outcome = registration.register_case(
            actor=selectors.actor_for(applicant), data=data, idempotency_key="apply-once"
        )
        return outcome.case.number, outcome.replayed

    results = in_threads(6, register)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({number for number, _ in results}) == 1
    assert sorted(replayed for _, replayed in results) == [False] + [True] * 5
    assert Case.objects.count() == 1


def test_the_same_key_from_another_account_is_a_registration_of_its_own(
    reference_committed, offices, applicant, other_applicant
):
    data = registration_data(offices)
    first, second = (
        registration.register_case(actor=selectors.actor_for(user), data=data, idempotency_key="k").case
        for user in (applicant, other_applicant)
    )
    assert first.number != second.number and Case.objects.count() == 2


def test_case_numbers_of_a_region_and_day_count_up_without_gaps(reference_committed, offices, window_clerk):
    data = registration_data(offices, "proxy")
    numbers = [
        registration.register_case(actor=selectors.actor_for(window_clerk), data=data).case.number
        for _ in range(3)
    ]
    assert [number.rsplit("-", 1)[1] for number in numbers] == ["00001", "00002", "00003"]
    assert all(number.startswith("440305-") and "-P-" in number for number in numbers)
    assert CaseNumberSequence.objects.get().last == 3
    assert set(Case.objects.values_list("number", flat=True)) == set(numbers)  # no stand-in left


@pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="SQLite lets one transaction write at a time (transaction_mode IMMEDIATE), so two "
    "registrations are never in flight together there; this runs in CI's PostgreSQL run",
)
def test_two_registrations_of_one_account_at_one_region_are_in_flight_together(
    reference_committed, offices, applicant, monkeypatch
):
    """The first is held open after its checks and writes; the second files its case meanwhile."""
    data = registration_data(offices)
    first_inside, second_done = threading.Event(), threading.Event()
    real_send = registration.send_messages

    def send_messages(step, case, actor, leg):
        real_send(step, case, actor, leg)
        if threading.current_thread().name == "first":
            first_inside.set()
            # Still in its transaction: rows written, the number not yet taken.
            second_done.wait(20)

    monkeypatch.setattr(registration, "send_messages", send_messages)
    outcomes = {}

    def register(name, key):
        try:
            outcomes[name] = registration.register_case(
                actor=selectors.actor_for(applicant), data=data, idempotency_key=key
            ).case
        finally:
            connection.close()

    first = threading.Thread(target=register, args=("first", "key-1"), name="first")
    first.start()
    assert first_inside.wait(20)
    second = threading.Thread(target=register, args=("second", "key-2"), name="second")
    second.start()
    second.join(10)
    finished_while_first_open = not second.is_alive() and first.is_alive()
    second_done.set()
    first.join(20)
    second.join(20)

    assert finished_while_first_open  # it waited for no lock the first one held
    assert outcomes["second"].number.endswith("-00001") and outcomes["first"].number.endswith("-00002")
    assert Case.objects.count() == 2
