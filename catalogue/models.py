"""The reference data (regions, departments) and the national list of 跨省通办 items."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class RegionDataset(models.Model):
    """A file of GB/T 2260 codes that was loaded: where it came from and of what date."""

    source = models.TextField(_("source"))
    source_url = models.URLField(_("source URL"), max_length=300, blank=True)
    data_date = models.TextField(_("data date"))
    licence = models.TextField(_("licence"), blank=True)
    retrieved = models.DateField(_("retrieved"), null=True, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-loaded_at"]
        verbose_name = _("region dataset")
        verbose_name_plural = _("region datasets")

    def __str__(self) -> str:
        return f"{self.source[:60]} ({self.retrieved})"


class Region(models.Model):
    """An administrative division of GB/T 2260 (province, prefecture or county level)."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province level")
        PREFECTURE = "prefecture", _("Prefecture level")
        COUNTY = "county", _("County level")

    code = models.CharField(
        _("code"), max_length=6, primary_key=True, validators=[RegexValidator(r"^\d{6}$")]
    )
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Codes change (民政部 publishes changes every year): a code no longer in the source is kept
    # with valid_until set, so old records that point at it still read.
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    dataset = models.ForeignKey(
        RegionDataset,
        verbose_name=_("dataset"),
        on_delete=models.PROTECT,
        related_name="regions",
        help_text=_("The file that last added or changed this row."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Department(models.Model):
    """A national body named in the list, e.g. 人力资源社会保障部 (its normalised short name)."""

    code = models.CharField(
        _("code"), max_length=16, unique=True, validators=[RegexValidator(r"^[A-Z]{2,16}$")]
    )
    name = models.CharField(_("name"), max_length=50, unique=True)
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    # The State Council's own order (composition departments first); the list names cooperating
    # departments in this order.
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    """One row of the national list (全国高频政务服务“跨省通办”事项清单) with its guide (办事指南)."""

    class Batch(models.IntegerChoices):
        BY_2020 = 1, _("By the end of 2020")
        BY_2021 = 2, _("By the end of 2021")
        AFTER_2021 = 3, _("After 2021")

    class Audience(models.TextChoices):
        PERSON = "person", _("Persons")
        ORGANISATION = "organisation", _("Organisations")
        BOTH = "both", _("Persons and organisations")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    class ItemType(models.TextChoices):
        UNSET = "", _("Not yet set")
        LICENSING = "licensing", _("Administrative licensing (行政许可)")
        CONFIRMATION = "confirmation", _("Administrative confirmation (行政确认)")
        PAYMENT = "payment", _("Administrative payment (行政给付)")
        FILING = "filing", _("Filing (备案)")
        PUBLIC_SERVICE = "public_service", _("Public service (公共服务)")
        OTHER = "other", _("Other administrative power (其他行政权力)")

    code = models.CharField(
        _("item code"),
        max_length=16,
        unique=True,
        validators=[RegexValidator(r"^KS-[123]-\d{3}$", _("Use the form KS-<batch>-<seq>, e.g. KS-1-005."))],
        help_text=_("Stable identifier: KS-<batch>-<three-digit seq>."),
    )
    batch = models.PositiveSmallIntegerField(_("batch"), choices=Batch.choices)
    seq = models.PositiveSmallIntegerField(_("number in batch"), validators=[MinValueValidator(1)])
    name = models.CharField(_("item name"), max_length=200)
    scenario = models.TextField(_("scenario"))
    lead_department = models.ForeignKey(
        Department, verbose_name=_("lead department"), on_delete=models.PROTECT, related_name="led_items"
    )
    lead_department_note = models.CharField(
        _("note in the lead department column"),
        max_length=100,
        blank=True,
        help_text=_("Text the list prints beside the lead department, verbatim."),
    )
    cooperating_departments = models.ManyToManyField(
        Department,
        verbose_name=_("cooperating departments"),
        blank=True,
        related_name="cooperating_items",
        through="ItemCooperation",
    )
    deadline = models.CharField(
        _("deadline"), max_length=300, blank=True, help_text=_("完成时限; batch 3 only.")
    )
    scope_note = models.CharField(_("scope"), max_length=200, blank=True)

    # 四级四同: elements that must be the same at every level.
    standard_code = models.CharField(_("standard item code"), max_length=64, blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    item_type = models.CharField(_("item type"), max_length=20, choices=ItemType.choices, blank=True)
    handling_level = models.CharField(_("handling level"), max_length=100, blank=True)
    prerequisites = models.TextField(_("prerequisite steps"), blank=True)

    audience = models.CharField(
        _("audience"), max_length=12, choices=Audience.choices, default=Audience.PERSON
    )
    supports_online = models.BooleanField(_("fully online"), default=False)
    supports_proxy = models.BooleanField(_("proxy receipt"), default=False)
    supports_joint = models.BooleanField(_("joint handling"), default=False)

    statutory_days = models.PositiveSmallIntegerField(
        _("statutory limit (working days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Empty means the default of 20 working days."),
    )
    promised_days = models.PositiveSmallIntegerField(
        _("promised limit (working days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Empty means the statutory limit. Never more than the statutory limit."),
    )
    fees = models.CharField(_("fees"), max_length=300, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    result_name = models.CharField(_("result"), max_length=200, blank=True)
    delivery_window = models.BooleanField(_("result picked up at a window"), default=True)
    delivery_post = models.BooleanField(_("result sent by post"), default=True)
    delivery_online = models.BooleanField(_("result delivered online"), default=False)

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["batch", "seq"]
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [
            models.UniqueConstraint(fields=["batch", "seq"], name="item_unique_batch_seq"),
            models.CheckConstraint(
                condition=Q(promised_days__isnull=True)
                | Q(statutory_days__isnull=True, promised_days__lte=settings.DEFAULT_TIME_LIMIT_DAYS)
                | Q(promised_days__lte=models.F("statutory_days")),
                name="item_promised_within_statutory",
            ),
            models.CheckConstraint(
                condition=Q(supports_online=True) | Q(supports_proxy=True) | Q(supports_joint=True),
                name="item_has_a_mode",
            ),
        ]
        indexes = [models.Index(fields=["status", "batch", "seq"], name="item_status_order")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        errors = {}
        if self.code and self.batch and self.seq and self.code != item_code(self.batch, self.seq):
            errors["code"] = _("The code of item %(batch)s-%(seq)s must be %(code)s.") % {
                "batch": self.batch,
                "seq": self.seq,
                "code": item_code(self.batch, self.seq),
            }
        if self.promised_days and self.promised_days > self.effective_statutory_days:
            errors["promised_days"] = _(
                "The promised limit (%(promised)s) cannot exceed the statutory limit (%(statutory)s)."
            ) % {"promised": self.promised_days, "statutory": self.effective_statutory_days}
        if not self.modes:
            errors["supports_online"] = _("An item supports at least one mode.")
        if self.batch == self.Batch.AFTER_2021 and not self.deadline:
            errors["deadline"] = _("Items of batch 3 carry the list's deadline text.")
        if errors:
            raise ValidationError(errors)

    @property
    def modes(self) -> list[str]:
        flags = (
            ("online", self.supports_online),
            ("proxy", self.supports_proxy),
            ("joint", self.supports_joint),
        )
        return [mode for mode, on in flags if on]

    @property
    def effective_statutory_days(self) -> int:
        return self.statutory_days or settings.DEFAULT_TIME_LIMIT_DAYS

    @property
    def effective_promised_days(self) -> int:
        return self.promised_days or self.effective_statutory_days

    @property
    def delivery_options(self) -> list[str]:
        flags = (
            ("window", self.delivery_window),
            ("post", self.delivery_post),
            ("online", self.delivery_online),
        )
        return [option for option, on in flags if on]


def item_code(batch: int, seq: int) -> str:
    return f"KS-{batch}-{seq:03d}"


class ItemCooperation(models.Model):
    """A cooperating department of an item, in the list's own order (it is not always the same)."""

    item = models.ForeignKey(
        ServiceItem, on_delete=models.CASCADE, related_name="cooperations", verbose_name=_("item")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="cooperations", verbose_name=_("department")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["item", "position", "id"]
        verbose_name = _("cooperating department")
        verbose_name_plural = _("cooperating departments")
        constraints = [
            models.UniqueConstraint(fields=["item", "department"], name="cooperation_unique_department")
        ]

    def __str__(self) -> str:
        return self.department.name


class MaterialRequirement(models.Model):
    """One entry of an item's materials list (申请材料)."""

    class Form(models.TextChoices):
        PAPER = "paper", _("Paper")
        ELECTRONIC = "electronic", _("Electronic")
        EITHER = "either", _("Paper or electronic")

    item = models.ForeignKey(
        ServiceItem, on_delete=models.CASCADE, related_name="materials", verbose_name=_("item")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("material"), max_length=200)
    form = models.CharField(_("form"), max_length=10, choices=Form.choices, default=Form.EITHER)
    original_required = models.BooleanField(_("original needed"), default=False)
    copies = models.PositiveSmallIntegerField(_("copies"), default=1, validators=[MaxValueValidator(20)])
    required = models.BooleanField(_("required"), default=True)
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("Who issues it, e.g. 公安机关.")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["item", "position", "id"]
        verbose_name = _("required material")
        verbose_name_plural = _("required materials")

    def __str__(self) -> str:
        return self.name
