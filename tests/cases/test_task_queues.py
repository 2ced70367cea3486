"""Handoff delivery has a queue of its own: a backlog of sweeps never delays a handoff, nor the reverse."""

import pytest
import redis
from django.conf import settings

from cases.models import HandoffMessage, InboxEntry
from cases.tasks import deliver_handoff, flag_deadlines, relay_handoffs
from tests.builders import act, register

from .workers import RedisServer, WorkerProcess, app_publishing_to, wait_for


@pytest.fixture
def broker():
    server = RedisServer().start()
    yield server
    server.stop()


def queued(broker, queue: str) -> int:
    return redis.Redis.from_url(broker.url).llen(queue)


def test_handoff_tasks_go_to_the_handoffs_queue_and_the_deadline_sweep_to_the_default_queue(broker):
    with app_publishing_to(broker.url):
        deliver_handoff.apply_async(args=["00000000-0000-0000-0000-000000000000"])
        relay_handoffs.apply_async()
        flag_deadlines.apply_async()
    # Each message once, in its own queue (two queues bound to one routing key would each get a copy).
    assert (queued(broker, "handoffs"), queued(broker, "default")) == (2, 1)
    assert settings.HANDOFF_QUEUE == "handoffs"


@pytest.mark.django_db(transaction=True)
def test_a_handoff_is_delivered_while_the_default_queue_holds_a_backlog(
    reference_committed, offices, window_clerk, broker, tmp_path
):
    # One worker on the handoffs queue only, even with KUASHENG_TEST_CLUSTER (its default worker would
    # drain the backlog this test keeps).
    worker = WorkerProcess(broker.url, tmp_path / "worker.log", queues=[settings.HANDOFF_QUEUE]).start()
    try:
        with app_publishing_to(broker.url):
            for _ in range(300):  # no worker takes this queue now: a backlog as after an outage
                flag_deadlines.apply_async()
            case = register(window_clerk, "proxy", offices)
            for action in ("pass_formal_review", "check_identity", "transfer"):
                case = act(window_clerk, case, action)
            message = HandoffMessage.objects.get(case=case)
            wait_for(
                lambda: HandoffMessage.objects.get(pk=message.pk).status == "delivered",
                what="the transfer to be delivered past the backlog",
                log=worker.log_path,
            )
    finally:
        worker.stop()
    assert InboxEntry.objects.filter(message=message).count() == 1
    assert queued(broker, "default") == 300  # the sweeps still wait; the handoff did not
