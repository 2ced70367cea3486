"""The outbox of messages between regions, what they deliver (inbox entries), and notifications."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Case, Leg, Office


class HandoffMessage(models.Model):
    """A message from one office to another (转办/推送), written in the same transaction as the change.

    It carries ids and routing only, never personal data: the receiver reads the case with its
    own permissions. pending → sent (published to the broker) → delivered; or failed after
    HANDOFF_MAX_ATTEMPTS, kept for an admin or supervisor to resend.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=30)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="handoffs")
    leg = models.ForeignKey(Leg, null=True, blank=True, on_delete=models.PROTECT, related_name="handoffs")
    from_office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    available_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("handoff message")
        verbose_name_plural = _("handoff messages")
        indexes = [
            models.Index(
                fields=["available_at"],
                name="handoff_waiting",
                condition=Q(status__in=["pending", "sent"]),
            ),
            models.Index(fields=["status", "created_at"], name="handoff_status"),
            # Visibility: an office sees a case once a message about it was sent to the office.
            models.Index(fields=["to_office", "case"], name="handoff_to_office_case"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id} → {self.to_office_id} ({self.status})"


class InboxEntry(models.Model):
    """What a delivered message put in front of an office. One per message, enforced here."""

    message = models.OneToOneField(HandoffMessage, on_delete=models.PROTECT, related_name="inbox_entry")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="inbox")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    leg = models.ForeignKey(Leg, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=30)
    created_at = models.DateTimeField(_("arrived at"), auto_now_add=True)
    done_at = models.DateTimeField(_("dealt with at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("inbox entry")
        verbose_name_plural = _("inbox entries")
        indexes = [
            models.Index(fields=["office", "-created_at"], name="inbox_open", condition=Q(done_at=None))
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id} @ {self.office_id}"


class Notification(models.Model):
    """A note to one person: a handoff arrived, a deadline is near, a handoff failed.

    `key` makes each notification once-only (one per message, one per deadline and day).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=30)
    key = models.CharField(max_length=120)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"


class CaseReach(models.Model):
    """An office, or a province's supervisors, that a case has reached: who may see it.

    One row per case and scope, written with the change that made the case reach it, in its
    transaction: the registration (the receiving office) and each outbox message (the office it
    is sent to, `handoffs.queue`), never before. `selectors.cases_visible_to` reads these rows
    instead of asking the outbox about every case, so a staff list walks its own office's cases
    newest first, whatever the volume of the others (docs/benchmarks.md). See `cases.reach`.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reach")
    # "office:<id>" or "province:<first two digits of the region code>" (reach.office_scope/province_scope)
    scope = models.CharField(_("scope"), max_length=24)
    # The case's mode, which never changes: a list filtered by mode reads it off this table's index.
    mode = models.CharField(_("mode"), max_length=10)
    # The case's promised due date while its clock runs, empty otherwise (reach.clock_due, kept by
    # reach.follow_clock): a list's "overdue" and "due soon" are a range of this table's index.
    clock_due = models.DateField(_("promised due date while the clock runs"), null=True, blank=True)

    class Meta:
        verbose_name = _("case reach")
        verbose_name_plural = _("case reach")
        constraints = [models.UniqueConstraint(fields=["scope", "case"], name="reach_once")]
        indexes = [
            models.Index(fields=["scope", "mode", "case"], name="reach_scope_mode"),
            models.Index(
                fields=["scope", "clock_due", "case"],
                name="reach_scope_clock",
                condition=Q(clock_due__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.case_id} → {self.scope}"
