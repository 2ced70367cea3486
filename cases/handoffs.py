"""Handoffs between regions: the transactional outbox, its relay, and idempotent delivery.

Guarantees (docs/handoffs.md):
- never lost: a message is a row written in the same transaction as the change it reports;
  publishing happens after commit, and the relay re-publishes anything still pending (broker
  refused or troubled at commit time) or sent but never delivered (broker restarted, worker
  killed);
- never applied twice: delivery creates the inbox entry, whose one-to-one key is the message
  id, in the same transaction that marks the message delivered;
- never holding a request: a request waits at most HANDOFF_PUBLISH_WAIT for the broker,
  stopped, frozen, slow or refusing;
- always visible: pending / sent / delivered / failed, with attempts and the last error; a
  failed message alerts supervisors and admins and can be resent.
"""

import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import nullcontext
from datetime import timedelta

import redis
from django import db
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from . import roles
from .models import Case, HandoffMessage, InboxEntry, Leg, Notification, Office, StaffProfile

logger = logging.getLogger(__name__)
Status = HandoffMessage.Status


def queue(*, kind: str, case: Case, to_office: Office, from_office: Office | None, leg: Leg | None = None):
    """Write an outbox row; must be called inside the transaction of the change it reports."""
    message = HandoffMessage.objects.create(
        kind=kind,
        case=case,
        leg=leg,
        to_office=to_office,
        from_office=from_office,
        available_at=_leased(),
    )
    transaction.on_commit(lambda: publish(message.pk))
    return message


def _leased():
    # A new (or resent) row belongs to the publish after its commit as a claimed row belongs to a
    # relay: a relay running meanwhile must not publish it too. If the process dies before
    # publishing, the relay takes it when the lease ends; a refusal makes it due at once.
    return timezone.now() + timedelta(seconds=settings.HANDOFF_LEASE_SECONDS)


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


INBOX_KINDS = {
    "submitted": "to_accept",
    "resubmitted": "to_accept",
    "transfer": "to_sign",
    "leg_created": "to_sign",
    "signed": "update",
    "returned": "returned",
    "leg_returned": "returned",
    "materials_shipped": "incoming_paper",
    "accepted": "update",
    "refused": "update",
    "leg_signed": "update",
    "leg_answered": "answer",
    "result_shipped": "incoming_result",
    "result_delivered": "update",
}


def deliver(message_id) -> bool:
    """Deliver one message: the inbox entry, the notifications, the delivered mark, all at once.

    Returns False when it was delivered before (by this or another worker), or has failed and
    waits to be resent: nothing happens then.
    """
    try:
        with transaction.atomic():
            message = (
                HandoffMessage.objects.select_for_update()
                .select_related("case")
                .filter(pk=message_id)
                .first()
            )
            # A failed message waits for a person to resend it; a late copy of it is not delivered.
            if message is None or message.status in (Status.DELIVERED, Status.FAILED):
                return False
            InboxEntry.objects.create(
                message=message,
                office_id=message.to_office_id,
                case_id=message.case_id,
                leg_id=message.leg_id,
                kind=INBOX_KINDS.get(message.kind, "update"),
            )
            notify_office(message.to_office_id, case=message.case, kind=message.kind, key=f"msg:{message.pk}")
            message.status, message.delivered_at, message.last_error = Status.DELIVERED, timezone.now(), ""
            message.save(update_fields=["status", "delivered_at", "last_error"])
            return True
    except IntegrityError:
        # Another delivery of the same message won the race; its effect is the only one.
        return False


def notify_office(office_id: int, *, case: Case | None, kind: str, key: str) -> int:
    """One notification for each staff member of the office (handling officers and clerks)."""
    users = (
        StaffProfile.objects.filter(office_id=office_id)
        .exclude(role=roles.SUPERVISOR)
        .values_list("user_id", flat=True)
    )
    return notify_users(users, case=case, kind=kind, key=key)


def notify_users(user_ids, *, case: Case | None, kind: str, key: str) -> int:
    have = set(
        Notification.objects.filter(key=key, user_id__in=list(user_ids)).values_list("user_id", flat=True)
    )
    rows = [Notification(user_id=uid, case=case, kind=kind, key=key) for uid in set(user_ids) - have]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(settings.HANDOFF_BACKOFF_SECONDS * 2 ** (attempts - 1), 3600))


def record_failure(message_id, error: Exception) -> None:
    """Count a failed delivery: try again later with backoff, or give up and alert after N failures."""
    with transaction.atomic():
        message = (
            HandoffMessage.objects.select_for_update().select_related("case").filter(pk=message_id).first()
        )
        if message is None or message.status in (Status.DELIVERED, Status.FAILED):
            return
        message.attempts += 1
        message.last_error = f"{error.__class__.__name__}: {error}"[:2000]
        if message.attempts >= settings.HANDOFF_MAX_ATTEMPTS:
            message.status = Status.FAILED
            alert_failed(message)
        else:
            message.status = Status.PENDING
            message.available_at = timezone.now() + backoff(message.attempts)
        message.save(update_fields=["attempts", "last_error", "status", "available_at"])


def alert_failed(message: HandoffMessage) -> None:
    """Supervisors of both regions and the admins hear of a handoff that could not be delivered."""
    provinces = {
        o.province_code[:2]
        for o in Office.objects.filter(pk__in=[message.to_office_id, message.from_office_id])
    }
    region_filter = Q()
    for prefix in provinces:
        region_filter |= Q(office__region__code__startswith=prefix)
    supervisors = StaffProfile.objects.filter(region_filter, role=roles.SUPERVISOR).values_list(
        "user_id", flat=True
    )
    admins = get_user_model().objects.filter(is_superuser=True, is_active=True).values_list("pk", flat=True)
    notify_users(
        [*supervisors, *admins], case=message.case, kind="handoff_failed", key=f"failed:{message.pk}"
    )


# --- The relay ------------------------------------------------------------------------------------
RELAY_BATCH = 100  # rows claimed per transaction: short locks, and a lease that covers one batch
BACKLOG = 100  # queued tasks from which an undelivered message is presumed waiting, not lost


def relay_waiting() -> int:
    """Publish every message that waits, batch after batch, until none is due; the number published.

    Due: pending (the broker refused it, or was troubled) and available, or sent more than
    HANDOFF_REDELIVER_AFTER_SECONDS ago and never delivered (lost with a restarted Redis or a
    killed worker). A run stops when nothing is due, at the first broker error (a dead broker is
    not hammered), or after HANDOFF_RELAY_SECONDS (the next run goes on): never at a fixed count.
    """
    deadline = time.monotonic() + settings.HANDOFF_RELAY_SECONDS
    published = 0
    with _relay_connection() as connection:
        if not answers(connection):
            return 0  # the broker is away: claim nothing; a worker reconnecting relays again
        stale_before = _presumed_lost_before(connection)
        while True:
            ids = _claim_batch(stale_before)
            done = _publish_batch(ids, connection)
            published += done
            if done < RELAY_BATCH or time.monotonic() >= deadline:
                return published


def _relay_connection():
    # One short-timeout connection for the whole run; none when tasks run in-process.
    return nullcontext() if _tasks_run_eagerly() else publishing_connection()


def _presumed_lost_before(connection):
    """Messages sent before this and not delivered are sent again; None: not in this run.

    While the broker holds a backlog (after an outage, thousands may be queued) an undelivered
    message is most likely still waiting in it, and sending it again would only queue a duplicate
    behind it. A few queued tasks are no backlog: they are taken within seconds, well inside
    HANDOFF_REDELIVER_AFTER_SECONDS.
    """
    if connection is not None and _queued_tasks(connection) >= BACKLOG:
        return None
    return timezone.now() - timedelta(seconds=settings.HANDOFF_REDELIVER_AFTER_SECONDS)


def _queued_tasks(connection) -> int:
    from .tasks import deliver_handoff

    app = deliver_handoff.app
    queue = app.amqp.queues[app.conf.task_default_queue]
    try:
        with connection.channel() as channel:
            return queue.bind(channel).queue_declare(passive=True).message_count
    except Exception:  # noqa: BLE001 (no such queue: empty; broker away: the publishing will tell)
        return 0


def _claim_batch(stale_before) -> list:
    """Claim up to RELAY_BATCH due rows and lease them for HANDOFF_LEASE_SECONDS.

    SELECT … FOR UPDATE SKIP LOCKED and the lease (available_at moved on) keep two relays from
    publishing the same row at once; a relay killed mid-batch holds its rows for the lease only.
    """
    now = timezone.now()
    due = Q(status=Status.PENDING)
    if stale_before is not None:
        due |= Q(status=Status.SENT, sent_at__lte=stale_before)
    with transaction.atomic():
        ids = list(
            HandoffMessage.objects.select_for_update(skip_locked=True)
            .filter(due, available_at__lte=now)
            .order_by("available_at")
            .values_list("pk", flat=True)[:RELAY_BATCH]
        )
        HandoffMessage.objects.filter(pk__in=ids).update(
            available_at=now + timedelta(seconds=settings.HANDOFF_LEASE_SECONDS)
        )
    return ids


def _publish_batch(ids: list, connection) -> int:
    """Publish the claimed rows in order; the number published. A broker error stops the batch."""
    mark_sent(*ids)  # one UPDATE for the batch
    for index, message_id in enumerate(ids):
        outcome = send(message_id, connection)
        if outcome != PUBLISHED:
            # The rest is pending again and due now, not after the lease, so the relay that runs
            # when the broker is back finds it. An unanswered publish stays sent: it may be queued.
            unsent = ids[index + 1 :] if outcome == UNKNOWN else ids[index:]
            HandoffMessage.objects.filter(pk__in=unsent, status=Status.SENT).update(
                status=Status.PENDING, sent_at=None, available_at=timezone.now()
            )
            return index
    return len(ids)


@transaction.atomic
def resend(message_id, *, actor) -> HandoffMessage:
    """Put a failed message back in the queue (supervisors and admins); attempts start again."""
    message = HandoffMessage.objects.select_for_update().get(pk=message_id)
    if message.status != Status.FAILED:
        raise ValueError(f"Only failed messages are resent; this one is {message.status}.")
    message.status, message.attempts, message.available_at = Status.PENDING, 0, _leased()
    message.last_error = f"resent by {actor.get_username()}; before: {message.last_error}"[:2000]
    message.save(update_fields=["status", "attempts", "available_at", "last_error"])
    transaction.on_commit(lambda: publish(message.pk))
    return message
