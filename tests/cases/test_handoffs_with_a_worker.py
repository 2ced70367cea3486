"""Handoffs through a real Redis and a real Celery worker process: nothing lost, nothing applied twice.

The first test uses the broker CI configured (CELERY_BROKER_URL, the machine's Redis) when there
is one. The fault tests start their own redis-server on a spare port, stop and restart that one,
and leave the machine's services alone. Every test starts and stops its own worker. They run in
both CI runs (on a SQLite file, or on PostgreSQL).
"""

import os
import time
from datetime import timedelta

import pytest
import redis
from django.db import transaction
from django.utils import timezone

from cases import handoffs
from cases.models import HandoffMessage, InboxEntry
from cases.tasks import deliver_handoff
from tests.builders import act, register

from .workers import QUEUES, RedisServer, Worker, app_publishing_to, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker():
    """A redis-server of this test's own, to stop and start."""
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def configured_broker_url(tmp_path):
    """The broker CI configured, or one of this test's own when none is."""
    url = os.environ.get("CELERY_BROKER_URL")
    if url:
        redis.Redis.from_url(url).delete(*QUEUES)  # nothing left over from another run
        yield url
        return
    server = RedisServer().start()
    yield server.url
    server.stop()


@pytest.fixture
def worker(broker, tmp_path):
    process = Worker(broker.url, tmp_path / "worker.log").start()
    yield process
    process.stop()


def ready_to_transfer(clerk, offices):
    case = register(clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity"):
        case = act(clerk, case, action)
    return case


def test_a_transfer_travels_through_the_broker_and_a_worker_and_a_duplicate_has_no_effect(
    reference_committed, offices, window_clerk, handling_officer, configured_broker_url, tmp_path
):
    worker = Worker(configured_broker_url, tmp_path / "worker.log").start()
    try:
        with app_publishing_to(configured_broker_url):
            case = act(window_clerk, ready_to_transfer(window_clerk, offices), "transfer")
            message = HandoffMessage.objects.get(case=case)
            wait_for(
                lambda: delivered([message]), what="the transfer to be delivered", log=tmp_path / "worker.log"
            )
            deliver_handoff.delay(str(message.pk))  # the same message again
            act(handling_officer, case, "sign_for")
            reply = HandoffMessage.objects.get(case=case, kind="signed")
            wait_for(
                lambda: delivered([reply]),
                what="the reply queued behind the duplicate",
                log=tmp_path / "worker.log",
            )
    finally:
        worker.stop()
    assert InboxEntry.objects.filter(message=message).count() == 1
    assert InboxEntry.objects.get(message=reply).office == offices["hall_a"]


def delivered(messages) -> bool:
    return (
        not HandoffMessage.objects.filter(pk__in=[m.pk for m in messages])
        .exclude(status="delivered")
        .exists()
    )


def test_with_redis_stopped_actions_succeed_and_every_message_is_delivered_once_when_it_is_back(
    reference_committed, offices, window_clerk, handling_officer, broker, worker, tmp_path
):
    with app_publishing_to(broker.url):
        cases = [ready_to_transfer(window_clerk, offices) for _ in range(5)]
        act(window_clerk, cases[0], "transfer")
        first = HandoffMessage.objects.get(case=cases[0])
        wait_for(
            lambda: delivered([first]), what="the first transfer to be delivered", log=tmp_path / "worker.log"
        )

        broker.stop()
        for case in cases[1:]:
            assert act(window_clerk, case, "transfer").status == "transferred"
        waiting = list(HandoffMessage.objects.filter(case__in=cases[1:]))
        assert {m.status for m in waiting} == {"pending"} and len(waiting) == 4

        broker.start()  # the worker reconnects and queues a relay run: nobody runs one by hand
        wait_for(
            lambda: delivered(waiting),
            60,
            "the waiting transfers to be delivered after Redis came back",
            log=tmp_path / "worker.log",
        )
        for message in [first, *waiting]:
            assert InboxEntry.objects.filter(message=message).count() == 1

        # At-least-once publishing may deliver a message again: the effect stays single.
        for message in [first, *waiting]:
            deliver_handoff.delay(str(message.pk))
        act(handling_officer, cases[0], "sign_for")  # a fresh message queued behind the duplicates
        sentinel = HandoffMessage.objects.get(case=cases[0], kind="signed")
        wait_for(
            lambda: delivered([sentinel]),
            what="the message queued after the duplicates",
            log=tmp_path / "worker.log",
        )
    assert InboxEntry.objects.count() == 6


def test_messages_lost_with_a_killed_worker_and_a_restarted_redis_are_sent_again(
    reference_committed, offices, window_clerk, broker, worker, tmp_path, settings
):
    settings.HANDOFF_LEASE_SECONDS = 0  # no lease left on the new rows when they count as lost
    with app_publishing_to(broker.url):
        cases = [ready_to_transfer(window_clerk, offices) for _ in range(3)]
        worker.kill()  # no acknowledgement will ever come from it
        for case in cases:
            act(window_clerk, case, "transfer")
        sent = list(HandoffMessage.objects.filter(case__in=cases))
        assert {m.status for m in sent} == {"sent"}
        broker.stop()  # this Redis keeps nothing on disk: the queued messages are gone
        broker.start()
        replacement = Worker(broker.url, tmp_path / "worker-2.log").start()
        try:
            settings.HANDOFF_REDELIVER_AFTER_SECONDS = 0  # "sent long ago and never delivered"
            assert handoffs.relay_waiting() == 3
            wait_for(
                lambda: delivered(sent),
                what="the lost transfers to be delivered",
                log=tmp_path / "worker-2.log",
            )
        finally:
            replacement.stop()
    assert InboxEntry.objects.filter(message__in=sent).count() == 3


def test_a_message_held_by_a_killed_worker_is_delivered_again_after_the_redelivery_delay(
    reference_committed, offices, window_clerk, broker, worker, tmp_path, settings
):
    settings.HANDOFF_REDELIVER_AFTER_SECONDS = 2  # the default is 15 s; the rule is the same
    with app_publishing_to(broker.url):
        case = act(window_clerk, ready_to_transfer(window_clerk, offices), "transfer")
        wait_for(lambda: delivered(case.handoffs.all()), what="the transfer", log=worker.log_path)
        message = HandoffMessage.objects.create(
            kind="signed", case=case, to_office=offices["hall_a"], available_at=timezone.now()
        )
        with transaction.atomic():
            HandoffMessage.objects.select_for_update().get(pk=message.pk)  # its delivery waits on this
            assert handoffs.publish(message.pk)
            wait_for(lambda: worker.received("cases.deliver_handoff") == 2, what="the worker to take it")
            worker.kill()  # acks late: taken, never acknowledged; Redis keeps it aside for an hour
        sent_at = HandoffMessage.objects.get(pk=message.pk).sent_at

        # Not sent again before the delay: a live worker holding it might still deliver it.
        while timezone.now() < sent_at + timedelta(seconds=1.5):
            assert handoffs.relay_waiting() == 0
            time.sleep(0.1)
        assert wait_for(handoffs.relay_waiting, 5, "the relay to send it again") == 1  # what beat runs
        replacement = Worker(broker.url, tmp_path / "replacement.log").start()
        try:
            wait_for(lambda: delivered([message]), what="the redelivery", log=replacement.log_path)
        finally:
            replacement.stop()
    assert InboxEntry.objects.filter(message=message).count() == 1
