"""Handoffs between regions: the transactional outbox, its relay, and idempotent delivery.

Guarantees (docs/handoffs.md):
- never lost: a message is a row written in the same transaction as the change it reports;
  publishing happens after commit, and a periodic sweep re-publishes anything still pending
  (broker down at commit time) or sent but never delivered (broker restarted, worker killed);
- never applied twice: delivery creates the inbox entry, whose one-to-one key is the message
  id, in the same transaction that marks the message delivered;
- always visible: pending / sent / delivered / failed, with attempts and the last error; a
  failed message alerts supervisors and admins and can be resent.
"""

import logging
from datetime import timedelta

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
        available_at=timezone.now(),
    )
    transaction.on_commit(lambda: publish(message.pk))
    return message


def publish(message_id) -> bool:
    """Hand one message to the broker (after commit). A broker error leaves it pending for the sweep.

    It is marked sent before publishing, so a worker (or the in-process run) that answers at once
    finds it sent, and its own outcome (delivered, or a counted failure) is never overwritten.
    """
    from .tasks import deliver_handoff

    # Pending (new, or waiting after a broker error) or sent long ago and never delivered.
    HandoffMessage.objects.filter(pk=message_id, status__in=[Status.PENDING, Status.SENT]).update(
        status=Status.SENT, sent_at=timezone.now()
    )
    try:
        deliver_handoff.apply_async(args=[str(message_id)], retry=False)
    except Exception as error:  # noqa: BLE001 (any broker failure: the outbox row is the safety net)
        logger.warning(
            "Broker unavailable, handoff %s stays pending: %s", message_id, error.__class__.__name__
        )
        HandoffMessage.objects.filter(pk=message_id, status=Status.SENT).update(
            status=Status.PENDING, sent_at=None
        )
        return False
    return True


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


def relay_waiting(limit: int = 200) -> int:
    """Publish messages that wait: pending and due, or sent long ago and never delivered.

    Rows are claimed with SELECT … FOR UPDATE SKIP LOCKED and leased (available_at moved on)
    before publishing outside the transaction, so two sweeps never publish the same row at once.
    A broker error stops the batch: a dead broker is not hammered.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.HANDOFF_REDELIVER_AFTER_SECONDS)
    with transaction.atomic():
        waiting = (
            HandoffMessage.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=Status.PENDING) | Q(status=Status.SENT, sent_at__lte=stale), available_at__lte=now
            )
            .order_by("available_at")
            .values_list("pk", flat=True)[:limit]
        )
        ids = list(waiting)
        HandoffMessage.objects.filter(pk__in=ids).update(
            available_at=now + timedelta(seconds=settings.HANDOFF_REDELIVER_AFTER_SECONDS)
        )
    published = 0
    for message_id in ids:
        if not publish(message_id):
            HandoffMessage.objects.filter(pk__in=ids, status=Status.PENDING).update(available_at=now)
            break
        published += 1
    return published


@transaction.atomic
def resend(message_id, *, actor) -> HandoffMessage:
    """Put a failed message back in the queue (supervisors and admins); attempts start again."""
    message = HandoffMessage.objects.select_for_update().get(pk=message_id)
    if message.status != Status.FAILED:
        raise ValueError(f"Only failed messages are resent; this one is {message.status}.")
    message.status, message.attempts, message.available_at = Status.PENDING, 0, timezone.now()
    message.last_error = f"resent by {actor.get_username()}; before: {message.last_error}"[:2000]
    message.save(update_fields=["status", "attempts", "available_at", "last_error"])
    transaction.on_commit(lambda: publish(message.pk))
    return message
