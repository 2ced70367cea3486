"""The outbox: delivered once, retried with backoff, failed visibly, resent; a dead broker loses nothing."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import TestCase
from django.utils import timezone
from kombu.exceptions import OperationalError

from cases import handoffs, selectors, services
from cases.models import HandoffMessage, InboxEntry, Notification
from cases.tasks import deliver_handoff, relay_handoffs
from tests.builders import act, register

from .conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def transferred(window_clerk, offices):
    case = register(window_clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity", "transfer"):
        case = act(window_clerk, case, action)
    return case


def test_delivering_the_same_message_twice_has_one_effect(handling_officer, transferred):
    message = HandoffMessage.objects.get(case=transferred, kind="transfer")
    assert message.status == "delivered"
    assert handoffs.deliver(message.pk) is False
    assert deliver_handoff(str(message.pk)) is False
    assert InboxEntry.objects.filter(message=message).count() == 1
    assert Notification.objects.filter(user=handling_officer, key=f"msg:{message.pk}").count() == 1


def test_a_message_delivered_by_two_workers_at_once_has_one_effect(transferred):
    message = HandoffMessage.objects.get(case=transferred, kind="transfer")
    HandoffMessage.objects.filter(pk=message.pk).update(status="sent")  # as if the first delivery was lost
    InboxEntry.objects.filter(message=message).delete()
    assert handoffs.deliver(message.pk) is True
    HandoffMessage.objects.filter(pk=message.pk).update(status="sent")  # the slower worker still sees "sent"
    assert handoffs.deliver(message.pk) is False  # the unique inbox key refuses the second effect
    assert InboxEntry.objects.filter(message=message).count() == 1


def test_a_broker_down_at_commit_leaves_the_message_pending_and_the_action_succeeds(window_clerk, offices):
    case = register(window_clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity"):
        case = act(window_clerk, case, action)
    with mock.patch.object(
        deliver_handoff, "apply_async", side_effect=OperationalError("Connection refused")
    ):
        reply = client_for(window_clerk).post(
            f"/api/v1/cases/{case.number}/actions/transfer/", {}, format="json"
        )
    assert reply.status_code == 200
    message = HandoffMessage.objects.get(case=case, kind="transfer")
    assert message.status == "pending" and not InboxEntry.objects.filter(message=message).exists()

    # Broker still down: the sweep tries, stops at the first failure, keeps the row.
    with mock.patch.object(
        deliver_handoff, "apply_async", side_effect=OperationalError("Connection refused")
    ):
        assert relay_handoffs() == 0
    assert HandoffMessage.objects.get(pk=message.pk).status == "pending"

    # Broker back: the sweep publishes and the message is delivered, once.
    assert relay_handoffs() == 1
    message.refresh_from_db()
    assert message.status == "delivered"
    assert InboxEntry.objects.filter(message=message).count() == 1
    assert relay_handoffs() == 0


def test_a_message_sent_but_never_delivered_is_sent_again(transferred, settings):
    message = HandoffMessage.objects.get(case=transferred, kind="transfer")
    InboxEntry.objects.filter(message=message).delete()
    long_ago = timezone.now() - timedelta(seconds=settings.HANDOFF_REDELIVER_AFTER_SECONDS + 1)
    HandoffMessage.objects.filter(pk=message.pk).update(
        status="sent", sent_at=long_ago, available_at=long_ago
    )
    assert relay_handoffs() == 1
    assert HandoffMessage.objects.get(pk=message.pk).status == "delivered"


def test_a_relay_leaves_a_new_message_to_the_publish_after_its_commit(window_clerk, offices):
    case = register(window_clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity"):
        case = act(window_clerk, case, action)
    with TestCase.captureOnCommitCallbacks() as after_commit:
        services.perform(number=case.number, action="transfer", actor=selectors.actor_for(window_clerk))
    assert relay_handoffs() == 0  # committed, about to be published by its request: not twice
    for callback in after_commit:
        callback()
    message = HandoffMessage.objects.get(case=case, kind="transfer")
    assert message.status == "delivered"
    assert InboxEntry.objects.filter(message=message).count() == 1


def waiting_messages(case, office, count: int) -> list[HandoffMessage]:
    """What requests leave pending while the broker is away."""
    return HandoffMessage.objects.bulk_create(
        HandoffMessage(kind="transfer", case=case, to_office=office, available_at=timezone.now())
        for _ in range(count)
    )


def test_one_relay_run_publishes_every_waiting_message_however_many(transferred, offices):
    waiting_messages(transferred, offices["dept_b"], 450)  # more than the old cap of 200 a run
    assert relay_handoffs() == 450
    assert not HandoffMessage.objects.exclude(status="delivered").exists()
    assert InboxEntry.objects.count() == 451
    assert relay_handoffs() == 0


def test_a_relay_run_stops_when_its_time_is_spent_and_the_next_run_goes_on(transferred, offices, settings):
    settings.HANDOFF_RELAY_SECONDS = 0  # spent after the first batch
    waiting_messages(transferred, offices["dept_b"], handoffs.RELAY_BATCH + 50)
    assert relay_handoffs() == handoffs.RELAY_BATCH
    assert relay_handoffs() == 50


def test_messages_claimed_by_a_relay_that_died_wait_for_the_lease_only(transferred, offices, settings):
    waiting_messages(transferred, offices["dept_b"], 3)
    claimed_at = timezone.now()
    with time_machine.travel(claimed_at, tick=False):
        assert len(handoffs._claim_batch(stale_before=None)) == 3  # then the relay's worker is killed
    with time_machine.travel(claimed_at + timedelta(seconds=settings.HANDOFF_LEASE_SECONDS - 1), tick=False):
        assert relay_handoffs() == 0
    with time_machine.travel(claimed_at + timedelta(seconds=settings.HANDOFF_LEASE_SECONDS), tick=False):
        assert relay_handoffs() == 3
    assert InboxEntry.objects.filter(message__status="delivered").count() == 4


def test_failures_back_off_then_fail_visibly_and_alert_supervisors_and_admins(
    window_clerk, offices, supervisor_b, settings
):
    admin = get_user_model().objects.create_superuser("root", password="pw-for-tests-1")
    case = register(window_clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity"):
        case = act(window_clerk, case, action)
    with mock.patch("cases.handoffs.InboxEntry.objects.create", side_effect=RuntimeError("disk full")):
        case = act(window_clerk, case, "transfer")
        message = HandoffMessage.objects.get(case=case, kind="transfer")
        assert (message.status, message.attempts) == ("pending", 1)
        assert message.available_at > timezone.now() + timedelta(seconds=settings.HANDOFF_BACKOFF_SECONDS - 5)
        assert "disk full" in message.last_error
        for attempt in range(2, settings.HANDOFF_MAX_ATTEMPTS + 1):
            HandoffMessage.objects.filter(pk=message.pk).update(available_at=timezone.now())
            with TestCase.captureOnCommitCallbacks(execute=True):
                relay_handoffs()
            message.refresh_from_db()
            assert message.attempts == attempt
    assert message.status == "failed"
    alerted = set(Notification.objects.filter(kind="handoff_failed").values_list("user__username", flat=True))
    assert alerted == {"supervisor_b", "root"}

    failed = client_for(supervisor_b).get("/api/v1/handoffs/", {"status": "failed"}).json()["results"]
    assert [m["id"] for m in failed] == [str(message.pk)]
    reply = client_for(admin).post(f"/api/v1/handoffs/{message.pk}/resend/")
    assert reply.status_code == 200
    message.refresh_from_db()
    assert message.status == "delivered" and message.attempts == 0
    assert client_for(admin).post(f"/api/v1/handoffs/{message.pk}/resend/").status_code == 409


def test_handoffs_are_hidden_from_those_who_do_not_supervise(transferred, window_clerk, outsider):
    assert client_for(window_clerk).get("/api/v1/handoffs/").json()["results"] == []
    message = HandoffMessage.objects.filter(case=transferred).first()
    assert client_for(outsider).post(f"/api/v1/handoffs/{message.pk}/resend/").status_code == 404


def test_messages_carry_ids_and_routing_only(transferred):
    fields = {f.name for f in HandoffMessage._meta.get_fields() if f.concrete}
    assert fields == {
        "id",
        "kind",
        "case",
        "leg",
        "from_office",
        "to_office",
        "status",
        "attempts",
        "available_at",
        "last_error",
        "created_at",
        "sent_at",
        "delivered_at",
    }
