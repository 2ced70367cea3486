"""A sick broker never holds a request, loses a message, or has one delivered twice.

Each test starts its own redis-server and a real Celery worker, files transfers through the API
with the broker in one state (stopped, frozen, slow, refusing), brings the broker back, and then
checks that every message was delivered exactly once without anyone running the relay by hand:
the worker queues one when it reconnects, and the web process when its publishing works again.

A request waits at most HANDOFF_PUBLISH_WAIT (0.1 s) for the broker: the after-commit publish of
each request is timed, and the limit asserted is a hang guard (the 5 s socket timeout stalled
requests before), not a speed goal; the figures, whole requests included, are measured by
benchmarks/broker_states.py and recorded in docs/handoffs.md.
"""

import time

import pytest
import redis

from cases import handoffs
from cases.models import HandoffMessage, InboxEntry
from tests.builders import act, register

from .conftest import client_for
from .workers import RedisServer, Worker, app_publishing_to, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

HANG_GUARD = 1.0  # seconds; a publish that waited on the broker's 5 s socket timeout fails it


@pytest.fixture
def broker():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def worker(broker, tmp_path):
    process = Worker(broker.url, tmp_path / "worker.log").start()
    yield process
    process.stop()


@pytest.fixture
def publishing(broker, worker, reference_committed, offices, window_clerk):
    """This process publishes to the test's broker; one transfer is delivered before any fault."""
    with app_publishing_to(broker.url):
        transfer(window_clerk, ready_to_transfer(window_clerk, offices))
        wait_for(lambda: all_delivered(), what="the first transfer", log=worker.log_path)
        yield


@pytest.fixture
def publish_times(monkeypatch):
    """Seconds each after-commit publish held its request, from now on."""
    times, publish = [], handoffs.publish

    def timed(message_id):
        began = time.monotonic()
        try:
            return publish(message_id)
        finally:
            times.append(time.monotonic() - began)

    monkeypatch.setattr(handoffs, "publish", timed)  # what queue()'s on_commit callback calls
    return times


def ready_to_transfer(clerk, offices):
    case = register(clerk, "proxy", offices)
    for action in ("pass_formal_review", "check_identity"):
        case = act(clerk, case, action)
    return case


def transfer(clerk, case) -> None:
    """Transfer through the API: commit, then the publish after commit, in the request."""
    reply = client_for(clerk).post(f"/api/v1/cases/{case.number}/actions/transfer/", {}, format="json")
    assert reply.status_code == 200, reply.content


def transfers_while_sick(clerk, offices, publish_times, count=3) -> list[float]:
    """Transfer `count` cases; how long each request's publish held it."""
    cases = [ready_to_transfer(clerk, offices) for _ in range(count)]
    publish_times.clear()
    for case in cases:
        transfer(clerk, case)
    assert len(publish_times) == count
    return list(publish_times)


def left_pending(case, count: int) -> None:
    """Messages as requests leave them while the broker is away: pending, due now."""
    to, due = case.handling_office, case.created_at
    HandoffMessage.objects.bulk_create(
        HandoffMessage(kind="transfer", case=case, to_office=to, available_at=due) for _ in range(count)
    )


def all_delivered() -> bool:
    return not HandoffMessage.objects.exclude(status="delivered").exists()


def assert_each_message_delivered_and_published_once(worker):
    messages = HandoffMessage.objects.all()
    assert {m.status for m in messages} == {"delivered"}
    assert InboxEntry.objects.count() == messages.count()  # one each: the entry is one-to-one
    # Not even a duplicate absorbed by the inbox key: each message reached the worker once.
    assert worker.received("cases.deliver_handoff") == messages.count()


def test_with_redis_stopped_requests_do_not_wait_and_the_reconnecting_worker_relays_the_rest(
    publishing, publish_times, broker, worker, offices, window_clerk
):
    broker.stop()
    took = transfers_while_sick(window_clerk, offices, publish_times)
    assert max(took) < HANG_GUARD
    # Refused: certainly not queued, so pending and due for the relay.
    assert (
        list(HandoffMessage.objects.exclude(status="delivered").values_list("status", flat=True))
        == ["pending"] * 3
    )

    broker.start()  # the worker reconnects and queues a relay: nobody runs it by hand
    wait_for(all_delivered, 30, "the pending transfers after Redis restarted", worker.log_path)
    assert_each_message_delivered_and_published_once(worker)


def test_with_redis_frozen_requests_do_not_wait_and_nothing_is_lost_or_published_twice(
    publishing, publish_times, broker, worker, offices, window_clerk
):
    broker.freeze()
    try:
        took = transfers_while_sick(window_clerk, offices, publish_times)
        waiting = HandoffMessage.objects.exclude(status="delivered")
        assert max(took) < HANG_GUARD
        # The first publish got no answer (outcome unknown: sent); the others did not wait for it.
        assert sorted(waiting.values_list("status", flat=True)) == ["pending", "pending", "sent"]
    finally:
        broker.resume()
    # The publish that got no answer is run by Redis when it resumes. One more request, as traffic
    # goes on: its publish works, so the web process queues a relay for the two left pending.
    transfer(window_clerk, ready_to_transfer(window_clerk, offices))
    wait_for(all_delivered, 30, "the transfers held while Redis was frozen", worker.log_path)
    assert_each_message_delivered_and_published_once(worker)


def test_with_redis_slow_requests_wait_at_most_the_bound_and_everything_is_delivered_once(
    publishing, publish_times, broker, worker, offices, window_clerk
):
    broker.hold_writes(0.6)  # every write waits 0.6 s, then runs: longer than a request may wait
    took = transfers_while_sick(window_clerk, offices, publish_times)
    assert max(took) < HANG_GUARD
    # The first publish answers after the pause (within its 1 s timeout); the web process then
    # queues a relay for the messages that did not wait for it.
    wait_for(all_delivered, 30, "the transfers published to a slow Redis", worker.log_path)
    assert_each_message_delivered_and_published_once(worker)


def test_with_redis_refusing_writes_requests_do_not_wait_and_the_next_publish_relays_the_rest(
    publishing, publish_times, broker, worker, offices, window_clerk
):
    broker.refuse_writes()  # OOM errors, as at its memory limit; the worker stays connected
    took = transfers_while_sick(window_clerk, offices, publish_times)
    assert max(took) < HANG_GUARD
    assert set(HandoffMessage.objects.exclude(status="delivered").values_list("status", flat=True)) == {
        "pending"
    }

    broker.accept_writes()
    transfer(window_clerk, ready_to_transfer(window_clerk, offices))  # traffic goes on
    wait_for(all_delivered, 30, "the transfers refused while Redis was full", worker.log_path)
    assert_each_message_delivered_and_published_once(worker)


def test_hundreds_of_messages_left_by_an_outage_are_all_relayed_when_the_broker_is_back(
    publishing, broker, worker, offices, window_clerk
):
    case = HandoffMessage.objects.get().case
    broker.stop()
    left_pending(case, 250)  # what requests leave while Redis is down (more than the old cap of 200)
    broker.start()
    wait_for(all_delivered, 60, "250 pending messages after the outage", worker.log_path)
    assert_each_message_delivered_and_published_once(worker)


def test_messages_waiting_behind_a_backlog_are_not_sent_again_but_those_lost_with_the_queue_are(
    broker, reference_committed, offices, window_clerk, settings
):
    # Every undelivered message is old enough to be sent again, and no lease holds it.
    settings.HANDOFF_REDELIVER_AFTER_SECONDS = settings.HANDOFF_LEASE_SECONDS = 0
    with app_publishing_to(broker.url):
        case = ready_to_transfer(window_clerk, offices)
        left_pending(case, 150)
        assert handoffs.relay_waiting() == 150  # no worker runs: all 150 wait in Redis
        assert handoffs.relay_waiting() == 0  # a backlog: they are presumed waiting, not lost
        redis.Redis.from_url(broker.url).delete(settings.HANDOFF_QUEUE)  # Redis lost its queue
        assert handoffs.relay_waiting() == 150
