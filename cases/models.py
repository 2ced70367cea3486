"""Cases (办件) and the people, offices and records around them.

The handoff outbox, inbox and notifications are in `cases/handoff_models.py`; the working-day
calendar's admin-entered rows are `Holiday` here. Every state change goes through
`cases.services.perform`; nothing here runs business logic in `save()`.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalogue.models import Department, MaterialRequirement, Region, ServiceItem

from . import roles


class Mode(models.TextChoices):
    ONLINE = "online", _("Fully online")
    PROXY = "proxy", _("Proxy receipt")
    JOINT = "joint", _("Joint handling")


MODE_LETTERS = {Mode.ONLINE: "O", Mode.PROXY: "P", Mode.JOINT: "J"}


class Office(models.Model):
    """A window hall (receives paper) or a handling department (decides) in a region."""

    class Kind(models.TextChoices):
        HALL = "hall", _("Service hall (跨省通办 windows)")
        DEPARTMENT = "department", _("Handling department")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="offices"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department line"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offices",
    )
    is_demo = models.BooleanField(_("demo office"), default=False)

    class Meta:
        ordering = ["region_id", "code"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")

    def __str__(self) -> str:
        return self.name

    @property
    def province_code(self) -> str:
        return self.region_id[:2] + "0000"


class StaffProfile(models.Model):
    """A staff account's office and role (window clerk, handling officer, supervisor)."""

    ROLE_CHOICES = [(role, roles.ROLE_LABELS[role]) for role in roles.STAFF_ROLES]

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    office = models.ForeignKey(
        Office, verbose_name=_("office"), on_delete=models.PROTECT, related_name="staff"
    )
    role = models.CharField(_("role"), max_length=20, choices=ROLE_CHOICES)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return f"{self.user} @ {self.office} ({self.role})"


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card (居民身份证)")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit for HK/MO/TW residents (居住证)")
    PERMANENT_RESIDENCE = "permanent_residence", _("Foreigner's permanent residence ID (永居证)")
    USCC = "uscc", _("Unified social credit code (统一社会信用代码)")


class ApplicantProfile(models.Model):
    """An applicant account's verified identity. Online cases are filed in this name, or as its agent.

    A person gives a real name and an identity document; an organisation its name, its unified
    social credit code and the person acting for it (经办人).
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applicant_profile"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices)
    id_number = models.CharField(_("ID number"), max_length=18)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    contact_name = models.CharField(_("person acting for the organisation"), max_length=100, blank=True)
    contact_id_type = models.CharField(_("their ID type"), max_length=20, choices=IdType.choices, blank=True)
    contact_id_number = models.CharField(_("their ID number"), max_length=18, blank=True)
    verified_at = models.DateTimeField(_("identity checked at"))

    class Meta:
        verbose_name = _("applicant account")
        verbose_name_plural = _("applicant accounts")

    def __str__(self) -> str:
        return self.name


class Applicant(models.Model):
    """Who a case is for, as given when it was filed (one row per case: never shared or overwritten)."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices)
    id_number = models.CharField(_("ID number"), max_length=18)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )
    # 代办人: someone acting for the applicant, with the mandate (授权委托) recorded.
    agent_name = models.CharField(_("agent"), max_length=100, blank=True)
    agent_id_type = models.CharField(_("agent's ID type"), max_length=20, choices=IdType.choices, blank=True)
    agent_id_number = models.CharField(_("agent's ID number"), max_length=18, blank=True)
    mandate = models.CharField(_("mandate"), max_length=300, blank=True)
    # An applicant account filing online for someone else: its mandate must be uploaded before acceptance.
    agent_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent's account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("applicant")
        verbose_name_plural = _("applicants")

    def __str__(self) -> str:
        return self.name


OPEN_CASE = ~Q(status__in=["concluded", "refused", "withdrawn"])  # workflows.FINAL_STATUSES


class Case(models.Model):
    """One application (办件). `number` never changes; `version` goes up with every action."""

    number = models.CharField(_("case number"), max_length=32, unique=True, editable=False)
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="cases"
    )
    # The item as it was when the case was filed: later edits of the item never change the case.
    item_version = models.ForeignKey(
        ServiceItem.history.model, verbose_name=_("item version"), on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    applicant = models.OneToOneField(Applicant, verbose_name=_("applicant"), on_delete=models.PROTECT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    receiving_office = models.ForeignKey(
        Office, verbose_name=_("receiving office"), on_delete=models.PROTECT, related_name="received_cases"
    )
    handling_office = models.ForeignKey(
        Office, verbose_name=_("handling office"), on_delete=models.PROTECT, related_name="handled_cases"
    )
    status = models.CharField(_("status"), max_length=24)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Delivery(models.TextChoices):
        WINDOW = "window", _("Pick up at the receiving window")
        POST = "post", _("By post")
        ONLINE = "online", _("Online")

    delivery_method = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)
    delivery_address = models.CharField(_("delivery address"), max_length=200, blank=True)
    decision = models.CharField(_("decision"), max_length=10, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    # Deadlines, snapshot at acceptance (working days from the item version filed under).
    statutory_days = models.PositiveSmallIntegerField(_("statutory limit (working days)"), null=True)
    promised_days = models.PositiveSmallIntegerField(_("promised limit (working days)"), null=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    statutory_due = models.DateField(_("statutory due date"), null=True, blank=True)
    promised_due = models.DateField(_("promised due date"), null=True, blank=True)
    sign_due = models.DateField(_("sign-for due date"), null=True, blank=True)
    suspended_since = models.DateTimeField(_("clock stopped since"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clock stopped for good at"), null=True, blank=True)
    calendar_note = models.CharField(_("calendar note"), max_length=300, blank=True)

    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        # Staff lists and inboxes look at open cases of one office, newest first: partial indexes
        # on the open statuses keep them small (LESSONS.md: 31 ms → 0.35 ms on 1 M rows).
        indexes = [
            models.Index(fields=["receiving_office", "-id"], name="case_receiving_open", condition=OPEN_CASE),
            models.Index(fields=["handling_office", "-id"], name="case_handling_open", condition=OPEN_CASE),
            models.Index(fields=["status", "promised_due"], name="case_status_due"),
            # The inbox's "to sign for" and "to accept": an office's open cases in one status.
            models.Index(
                fields=["handling_office", "status", "id"], name="case_handling_status", condition=OPEN_CASE
            ),
            models.Index(
                fields=["receiving_office", "status", "id"], name="case_receiving_status", condition=OPEN_CASE
            ),
            # The inbox's "in progress", "due soon" and "overdue": an office's cases with the clock
            # running (workflows.CLOCK_RUNNING), earliest promised date first (selectors.inbox_for),
            # read straight off the index.
            models.Index(
                fields=["handling_office", "promised_due", "id"],
                name="case_handling_running",
                condition=Q(status__in=["accepted", "coordinating", "in_review", "legs_agreed"]),
            ),
            # Lists filtered to open cases (a status, overdue, due soon), newest first: walked back
            # through the open cases alone (a few per cent of all), never the whole history.
            models.Index(fields=["-id"], name="case_open", condition=OPEN_CASE),
            models.Index(
                fields=["-id"],
                name="case_clock_running",
                condition=Q(status__in=["accepted", "coordinating", "in_review", "legs_agreed"])
                & Q(suspended_since__isnull=True),
            ),
            # The dashboard's on-time rate and working days: the cases concluded in the last weeks.
            models.Index(fields=["closed_at"], name="case_closed", condition=Q(closed_at__isnull=False)),
            # The clerk's "received today": a hall's cases by filing time.
            models.Index(fields=["receiving_office", "created_at"], name="case_receiving_created"),
        ]

    def __str__(self) -> str:
        return self.number


class Leg(models.Model):
    """One cooperating region's part of a joint case (协同任务)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="legs", verbose_name=_("case"))
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="legs", verbose_name=_("office")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    depends_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dependents",
        verbose_name=_("after leg"),
    )
    required = models.BooleanField(_("required"), default=True)
    status = models.CharField(_("status"), max_length=12)
    version = models.PositiveIntegerField(default=1)
    opinion = models.TextField(_("opinion"), blank=True)
    sign_due = models.DateField(_("sign-for due date"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["case", "position"]
        verbose_name = _("leg")
        verbose_name_plural = _("legs")
        constraints = [models.UniqueConstraint(fields=["case", "office"], name="leg_unique_office")]
        indexes = [models.Index(fields=["office", "status"], name="leg_office_status")]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.position} {self.office_id}"


def material_path(material, filename: str) -> str:
    # Never the applicant's name or ID number in a path: a random name under the case's id.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"cases/{material.case_id}/{uuid.uuid4().hex}.{extension}"


class Material(models.Model):
    """A material handed in for a case: an uploaded file, or a paper original recorded by staff."""

    class Trust(models.TextChoices):
        A = "A", _("A: e-licence or shared data from the issuing authority")
        B = "B", _("B: electronic document with a valid seal or signature")
        C = "C", _("C: scanned by staff from the original")
        D = "D", _("D: uploaded by the applicant")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="materials", verbose_name=_("case"))
    requirement = models.ForeignKey(
        MaterialRequirement,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requirement"),
    )

    class Kind(models.TextChoices):
        MATERIAL = "material", _("Application material")
        MANDATE = "mandate", _("Mandate (授权委托书)")
        RESULT = "result", _("Result (办理结果)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MATERIAL)
    name = models.CharField(_("name"), max_length=200)
    file = models.FileField(_("file"), upload_to=material_path, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    trust_level = models.CharField(_("trust level"), max_length=1, choices=Trust.choices, default=Trust.D)
    # What the window saw and did with the paper (staff only; an applicant's are always False,
    # materials.marks_by): the checklist of 收件.
    original_on_paper = models.BooleanField(
        _("original on paper"),
        default=False,
        help_text=_("The original goes on paper to the handling office (原件寄递)."),
    )
    original_seen = models.BooleanField(
        _("original seen"),
        default=False,
        help_text=_("Staff checked the original at the window (已核验原件)."),
    )
    copy_kept = models.BooleanField(
        _("copy kept"), default=False, help_text=_("The window keeps a copy on file (留存复印件).")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.name


class Shipment(models.Model):
    """Paper on its way (寄递): the originals to the handling office, or a paper result back."""

    class Kind(models.TextChoices):
        MATERIALS = "materials", _("Original materials to the handling office")
        RESULT_TO_APPLICANT = "result_to_applicant", _("Result to the applicant")
        RESULT_TO_WINDOW = "result_to_window", _("Result to the receiving window")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    carrier = models.CharField(_("carrier"), max_length=50)
    tracking_number = models.CharField(_("tracking number"), max_length=40)
    from_office = models.ForeignKey(Office, null=True, on_delete=models.PROTECT, related_name="+")
    to_office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    shipped_at = models.DateTimeField(_("shipped at"), auto_now_add=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class CaseEvent(models.Model):
    """One line of a case's timeline: who, at which office and region, did what, when (append-only).

    Names are copied in, so the line still reads if an account or office is renamed later.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    leg = models.ForeignKey(Leg, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=24, blank=True)
    to_status = models.CharField(_("to"), max_length=24, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    actor_role = models.CharField(_("role"), max_length=20, blank=True)
    office = models.ForeignKey(Office, null=True, on_delete=models.PROTECT, related_name="+")
    office_name = models.CharField(_("office"), max_length=120, blank=True)
    region_code = models.CharField(_("region code"), max_length=6, blank=True)
    region_name = models.CharField(_("region"), max_length=64, blank=True)
    note = models.TextField(_("note"), blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["case", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        constraints = [
            # A key is one caller's: another user's request with the same key is a request of its own.
            models.UniqueConstraint(
                fields=["case", "actor", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="event_unique_request_of_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"


class Suspension(models.Model):
    """An interval in which the clock stood still: a correction (补正) or a 特殊环节."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("Correction requested")
        SPECIAL = "special", _("Special procedure (hearing, test, appraisal, expert review)")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="suspensions")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    reason = models.TextField(_("reason"))
    resume_status = models.CharField(max_length=24)
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    working_days = models.PositiveSmallIntegerField(_("working days not counted"), null=True, blank=True)

    class Meta:
        ordering = ["case", "started_at"]
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%Y-%m-%d}"


class CaseNumberSequence(models.Model):
    """The last sequence number used for a receiving region on a day (case numbers)."""

    region_code = models.CharField(max_length=6)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region_code", "day"], name="sequence_unique_region_day")
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.day} {self.last}"


class Holiday(models.Model):
    """An official day off or make-up workday (调休) entered by an admin.

    Overrides the holiday library, and fills in years it does not know yet (the State
    Council publishes each year's schedule in the autumn before).
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("is a working day"), help_text=_("Ticked: a make-up workday (调休)."))
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or make-up workday")
        verbose_name_plural = _("holidays and make-up workdays")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class HolidayYear(models.Model):
    """A year whose official schedule (holidays and 调休) admins entered in full as `Holiday` rows.

    For a complete year working days come from those rows and weekends alone, with no estimate.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    complete = models.BooleanField(
        _("schedule complete"),
        default=False,
        help_text=_("Ticked when every holiday and make-up workday of the year is entered."),
    )
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("The State Council notice it was entered from.")
    )

    class Meta:
        ordering = ["year"]
        verbose_name = _("holiday schedule of a year")
        verbose_name_plural = _("holiday schedules of years")

    def __str__(self) -> str:
        return str(self.year)


class RevealRecord(models.Model):
    """Audit: a member of staff revealed a case's personal data in full (查看完整信息).

    Names and numbers are copied in, so a record survives what it describes.
    """

    case = models.ForeignKey(Case, null=True, on_delete=models.SET_NULL, related_name="reveals")
    case_number = models.CharField(_("case number"), max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(_("by"), max_length=150)
    role = models.CharField(_("role"), max_length=20)
    office = models.ForeignKey(Office, null=True, on_delete=models.SET_NULL, related_name="+")
    office_name = models.CharField(_("office"), max_length=120, blank=True)
    region_code = models.CharField(_("region code"), max_length=6, blank=True)
    what = models.CharField(_("what"), max_length=240)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("reveal of personal data")
        verbose_name_plural = _("reveals of personal data")
        indexes = [models.Index(fields=["region_code", "-id"], name="reveal_region")]

    def __str__(self) -> str:
        return f"{self.username} {self.case_number} {self.what}"


from .handoff_models import CaseReach, HandoffMessage, InboxEntry, Notification  # noqa: E402  (one models module for Django)

__all__ = [
    "Applicant",
    "ApplicantProfile",
    "Case",
    "CaseEvent",
    "CaseNumberSequence",
    "CaseReach",
    "HandoffMessage",
    "Holiday",
    "HolidayYear",
    "IdType",
    "InboxEntry",
    "Leg",
    "Material",
    "Mode",
    "Notification",
    "Office",
    "RevealRecord",
    "Shipment",
    "StaffProfile",
    "Suspension",
]
