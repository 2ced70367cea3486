"""Publishing outbox messages to the broker without ever holding a request for long.

A request waits at most HANDOFF_PUBLISH_WAIT for the broker, whether it is up, stopped,
frozen, slow or refusing: publishing runs on a small per-process thread pool with its own
short-timeout connections, and the outcome (published, refused, unknown) is recorded on the
row so the relay in `handoffs.py` republishes what was not queued. See docs/handoffs.md.
"""

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import redis
from django import db
from django.conf import settings
from django.utils import timezone

from .models import HandoffMessage

logger = logging.getLogger(__name__)
Status = HandoffMessage.Status

# --- Publishing ---------------------------------------------------------------------------------
# What became of one attempt to hand a message to the broker.
PUBLISHED = "published"
REFUSED = "refused"  # the broker answered no, or could not be reached: the message is not queued
UNKNOWN = "unknown"  # no answer in time: a frozen Redis still runs the command when it resumes

PUBLISH_THREADS = 4  # per process; a healthy publish takes about a millisecond


def publish(message_id) -> bool:
    """Hand one message to the broker after commit; True when the broker took it.

    Without a broker (tasks run eagerly: development and unit tests) the message is delivered in
    this thread before this returns. With one, the publish runs on a small thread pool and the
    caller (a web request) waits at most HANDOFF_PUBLISH_WAIT for it, whatever state the broker
    is in. A refusal leaves the message pending; no answer leaves it sent: either way the relay
    publishes it again if it is not delivered, and delivery is idempotent.
    """
    if _tasks_run_eagerly():
        return publish_now(message_id, connection=None)
    return _publisher().publish(message_id)


def publish_now(message_id, connection) -> bool:
    """Publish in this thread, on `connection` (None: the app's pool), and record the outcome."""
    mark_sent(message_id)
    outcome = send(message_id, connection)
    record_outcome(message_id, outcome)
    return outcome == PUBLISHED


def mark_sent(*message_ids) -> None:
    # Before publishing, so a worker (or the in-process run) that answers at once finds it sent
    # and its own outcome (delivered, or a counted failure) is never overwritten. Pending (new,
    # or refused before) or sent long ago and never delivered.
    HandoffMessage.objects.filter(pk__in=message_ids, status__in=[Status.PENDING, Status.SENT]).update(
        status=Status.SENT, sent_at=timezone.now()
    )


def send(message_id, connection) -> str:
    """One attempt to queue deliver_handoff(message_id): PUBLISHED, REFUSED or UNKNOWN."""
    from .tasks import deliver_handoff

    try:
        deliver_handoff.apply_async(args=[str(message_id)], retry=False, connection=connection)
    except Exception as error:  # noqa: BLE001 (any broker failure: the outbox row is the safety net)
        outcome = UNKNOWN if _timed_out(error) else REFUSED
        logger.warning("Handoff %s not published (%s): %s", message_id, outcome, error.__class__.__name__)
        return outcome
    return PUBLISHED


def record_outcome(message_id, outcome: str) -> None:
    # Refused: certainly not queued, so pending again and due at once for the relay. Unknown: it
    # stays sent; a message not delivered after HANDOFF_REDELIVER_AFTER_SECONDS is sent again.
    # (Marking it pending made the relay publish it a second time when Redis resumed.)
    if outcome == REFUSED:
        HandoffMessage.objects.filter(pk=message_id, status=Status.SENT).update(
            status=Status.PENDING, sent_at=None, available_at=timezone.now()
        )


def _timed_out(error: BaseException | None) -> bool:
    for _ in range(10):  # the chain kombu builds is short; never loop on a cyclic one
        if error is None:
            return False
        if isinstance(error, TimeoutError | redis.exceptions.TimeoutError):
            return True
        error = error.__cause__ or error.__context__
    return False


def _tasks_run_eagerly() -> bool:
    from .tasks import deliver_handoff

    return bool(deliver_handoff.app.conf.task_always_eager)


def publishing_connection():
    """A broker connection that gives up after HANDOFF_PUBLISH_TIMEOUT, connecting or answering.

    The app's own connections wait 5 s for an answer (the worker's long polls need that), and a
    thread stuck that long on a frozen broker would hold a publishing slot for as long.
    """
    from .tasks import deliver_handoff

    timeout = settings.HANDOFF_PUBLISH_TIMEOUT
    return deliver_handoff.app.connection_for_write(
        connect_timeout=timeout,
        # max_retries 0: one attempt; the relay, not a retry loop, publishes again later.
        transport_options={"socket_timeout": timeout, "socket_connect_timeout": timeout, "max_retries": 0},
    )


class Publisher:
    """Publishes for one process on a few threads, so a caller waits at most HANDOFF_PUBLISH_WAIT.

    After a refusal or a publish that did not answer in time the broker counts as troubled: one
    attempt at a time probes it and the other messages are left pending without waiting (so a
    request that queues several messages waits once, and no thread piles up behind a frozen
    broker). The first attempt that succeeds again asks for a relay of what was left pending.
    """

    def __init__(self, broker_url: str):
        self.key = (os.getpid(), broker_url)
        self.pool = ThreadPoolExecutor(max_workers=PUBLISH_THREADS, thread_name_prefix="handoff-publish")
        self.local = threading.local()  # a kombu connection per thread: they are not thread-safe
        self.lock = threading.Lock()
        self.troubled = False
        self.probing = False

    def publish(self, message_id) -> bool:
        attempt = self._may_try()
        if attempt is None:
            # Pending and due now: the relay publishes it once the broker answers again.
            HandoffMessage.objects.filter(pk=message_id).update(available_at=timezone.now())
            return False
        mark_sent(message_id)
        future = self.pool.submit(self._attempt, message_id, probe=attempt == "probe")
        try:
            outcome = future.result(timeout=settings.HANDOFF_PUBLISH_WAIT)
        except FutureTimeout:
            self._unanswered()
            future.add_done_callback(_record_late(message_id))
            return False
        record_outcome(message_id, outcome)  # on the request's own database connection
        return outcome == PUBLISHED

    def _attempt(self, message_id, probe: bool) -> str:
        """In a pool thread: publish, update the broker's state; the outcome."""
        connection, new = self._connection()
        # A probe, or a connection's first use, asks the broker first: on a new connection to a
        # frozen Redis a publish times out in the handshake, never sent, but looks unanswered.
        if (probe or new) and not answers(connection):
            outcome = REFUSED
        else:
            outcome = send(message_id, connection)
        self._settle(outcome)
        return outcome

    def _connection(self):
        """This thread's connection, and whether it was just made."""
        if getattr(self.local, "connection", None) is None:
            self.local.connection = publishing_connection()
            return self.local.connection, True
        return self.local.connection, False

    def _may_try(self) -> str | None:
        """Which attempt this is: a publish, a probe of a troubled broker, or None (one probes)."""
        with self.lock:
            if self.troubled and self.probing:
                return None
            self.probing = self.troubled
            return "probe" if self.troubled else "publish"

    def _unanswered(self) -> None:
        with self.lock:
            # The attempt still running is the probe: the next messages do not wait for it.
            self.troubled = self.probing = True

    def _settle(self, outcome: str) -> None:
        with self.lock:
            recovered = self.troubled and outcome == PUBLISHED
            self.troubled, self.probing = outcome != PUBLISHED, False
        if recovered:
            request_relay(self._connection()[0])


def _record_late(message_id):
    """Record the outcome of a publish its request stopped waiting for, when it ends."""
    caller = threading.current_thread()

    def record(future) -> None:
        try:
            record_outcome(message_id, future.result())
        finally:
            if threading.current_thread() is not caller:  # a pool thread: it may be idle for long
                db.connections.close_all()  # this thread's only

    return record


def answers(connection) -> bool:
    """Whether the broker answers a PING (after a fresh connect: the handshake passed too)."""
    if connection is None:
        return True  # tasks run in-process
    try:
        client = getattr(connection.default_channel, "client", None)  # connects if need be
        return client is None or bool(client.ping())
    except Exception:  # noqa: BLE001 (refused, frozen, or any other way of not answering)
        return False


def request_relay(connection) -> None:
    """Queue a relay run (the broker answers again: what was left pending is published now)."""
    from .tasks import relay_handoffs

    try:
        relay_handoffs.apply_async(retry=False, connection=connection)
    except Exception as error:  # noqa: BLE001 (beat relays too)
        logger.warning("Could not queue a relay: %s", error.__class__.__name__)


_publisher_lock = threading.Lock()
_current_publisher: Publisher | None = None


def _publisher() -> Publisher:
    """This process's publisher; a new one after a fork or when the broker URL changed (tests)."""
    global _current_publisher
    from .tasks import deliver_handoff

    key = (os.getpid(), deliver_handoff.app.conf.broker_url)
    with _publisher_lock:
        if _current_publisher is None or _current_publisher.key != key:
            if _current_publisher is not None and _current_publisher.key[0] == key[0]:
                _current_publisher.pool.shutdown(wait=False)
            _current_publisher = Publisher(key[1])
        return _current_publisher
