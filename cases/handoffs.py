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
import time
from contextlib import nullcontext
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from . import reach, roles
from .models import Case, HandoffMessage, InboxEntry, Leg, Notification, Office, StaffProfile
from .publishing import (  # noqa: F401 (publish is part of this module's interface)
    PUBLISHED,
    UNKNOWN,
    _tasks_run_eagerly,
    answers,
    mark_sent,
    publish,
    publishing_connection,
    send,
)

logger = logging.getLogger(__name__)
Status = HandoffMessage.Status


def queue(*, kind: str, case: Case, to_office: Office, from_office: Office | None, leg: Leg | None = None):
    """Write an outbox row; must be called inside the transaction of the change it reports.

    The case reaches the office with it: from this commit on, the office sees the case.
    """
    reach.record(case, to_office)
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
    queue = app.amqp.queues[settings.HANDOFF_QUEUE]  # deliveries have a queue of their own
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
