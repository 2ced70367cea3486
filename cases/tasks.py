"""Celery tasks: each takes ids, calls one service, and is safe to run twice."""

import logging

from celery import shared_task

from . import deadlines, handoffs

logger = logging.getLogger(__name__)


@shared_task(name="cases.deliver_handoff", ignore_result=True)
def deliver_handoff(message_id: str) -> bool:
    """Deliver one outbox message to its office; a failure is counted and retried later by the sweep."""
    try:
        return handoffs.deliver(message_id)
    except Exception as error:
        logger.exception("Delivering handoff %s failed", message_id)
        handoffs.record_failure(message_id, error)
        return False


@shared_task(name="cases.relay_handoffs", ignore_result=True)
def relay_handoffs() -> int:
    """Publish outbox messages still waiting (broker was away, or a delivery was lost), until none is due.

    Queued by beat, by a worker each time it (re)connects to the broker, and by a web process
    whose publishing works again after failures.
    """
    return handoffs.relay_waiting()


# Its own limits: over a million cases a sweep may run for minutes, beyond the 60 s soft limit of the
# other tasks (an interrupted sweep starts from the first case again and might never reach the last);
# still well below Redis' visibility timeout (1 h), so it is never delivered twice.
@shared_task(name="cases.flag_deadlines", ignore_result=True, soft_time_limit=30 * 60, time_limit=35 * 60)
def flag_deadlines() -> int:
    """Notify offices of cases, transfers and legs that are near due or overdue (once a day each)."""
    return deadlines.flag_due()


@shared_task(name="cases.clear_expired_tokens", ignore_result=True)
def clear_expired_tokens() -> int:
    """Delete expired API tokens (a request with one is refused whether or not it is still stored)."""
    from .tokens import clear_expired

    return clear_expired()
