"""A person's messages (专属空间 · 我的消息): the notifications addressed to them, and reading them.

Notifications are written where things happen (`handoffs.notify_users`, `notify_office`); this
module reads one account's and marks them read, so the pages and the API agree on "unread".
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import workflows
from .models import Notification

# What a notification that is not about a status change says (staff receive most of these).
KIND_LABELS = {
    "submitted": gettext_lazy("A case was submitted to your office"),
    "resubmitted": gettext_lazy("Corrected materials were resubmitted"),
    "transfer": gettext_lazy("A case was transferred to your office"),
    "leg_created": gettext_lazy("A region's task arrived for your office"),
    "signed": gettext_lazy("The handling office signed for the transfer"),
    "returned": gettext_lazy("The handling office returned the transfer"),
    "leg_returned": gettext_lazy("A region returned its task"),
    "leg_signed": gettext_lazy("A region signed for its task"),
    "leg_answered": gettext_lazy("A region answered its task"),
    "materials_shipped": gettext_lazy("Paper originals are on their way"),
    "accepted": gettext_lazy("The handling office accepted the case"),
    "refused": gettext_lazy("The handling office did not accept the case"),
    "result_shipped": gettext_lazy("The paper result is on its way"),
    "result_delivered": gettext_lazy("The result was delivered online"),
    "near_due": gettext_lazy("A case is near its promised date"),
    "overdue": gettext_lazy("A case is past its promised date"),
    "sign_overdue": gettext_lazy("A transfer was not signed for in time"),
    "leg_sign_overdue": gettext_lazy("A region's task was not signed for in time"),
    "handoff_failed": gettext_lazy("A handoff between regions could not be delivered"),
}
STATUS_PREFIX = "status_"  # services.perform tells the applicant of every status change: status_<status>


def describe(notification: Notification) -> str:
    """One line for a person: what the notification says."""
    if notification.kind.startswith(STATUS_PREFIX):
        status = notification.kind.removeprefix(STATUS_PREFIX)
        return _("Status now: %(status)s") % {"status": workflows.status_label(status)}
    return str(KIND_LABELS.get(notification.kind, notification.kind))


def messages_for(user) -> QuerySet[Notification]:
    """The account's notifications, newest first, with the case and item each is about."""
    return (
        Notification.objects.filter(user_id=user.pk)
        .select_related("case__item")
        .order_by("-created_at", "-id")
    )


def unread_count(user) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


@transaction.atomic
def mark_read(*, user, ids) -> int:
    """Mark these notifications of `user` read (others' and already-read ones are left alone).

    Returns how many changed; reading twice changes nothing the second time.
    """
    return Notification.objects.filter(user_id=user.pk, pk__in=list(ids), read_at__isnull=True).update(
        read_at=timezone.now()
    )
