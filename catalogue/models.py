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

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Applied for through this portal")
        OFFICE = "office", _("In person at an office where you are, not through this portal")
        POINT_OF_SERVICE = "point_of_service", _("Settled where the service is given; nothing to apply for")

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
    channel = models.CharField(
        _("how it is done"),
        max_length=20,
        choices=Channel.choices,
        default=Channel.PORTAL,
        help_text=_(
            "Applied for through this portal (then in one or more of the three modes), or done "
            "elsewhere: in person at an office where the applicant is (e.g. a marriage registry), or "
            "settled where the service is given (e.g. at the hospital) with nothing to apply for. Items "
            "not applied for through the portal have no mode and no 立即申办 button."
        ),
    )
    supports_online = models.BooleanField(_("fully online"), default=False)
    supports_proxy = models.BooleanField(_("proxy receipt"), default=False)
    supports_joint = models.BooleanField(_("joint handling"), default=False)
    in_person = models.BooleanField(
        _("applicant must appear in person"),
        default=False,
        help_text=_(
            "The law requires the applicant (for a marriage, both parties) to appear in person at a step, "
            "e.g. to give fingerprints or to sign before the registrar. Say where in “where to go”."
        ),
    )
    where_to_go = models.CharField(
        _("where to go"),
        max_length=300,
        blank=True,
        help_text=_(
            "For an item done in person or settled elsewhere: the office or place, as the guide shows it, "
            "e.g. 所在地婚姻登记机关 or 就医的定点医疗机构."
        ),
    )

    statutory_days = models.PositiveSmallIntegerField(
        _("statutory limit (working days)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(365)],
        help_text=_(
            "0 means done on the spot (即办). Empty means no limit is published here: the guide says "
            "以办理地公布为准 (a case still runs on the default of 20 working days)."
        ),
    )
    promised_days = models.PositiveSmallIntegerField(
        _("promised limit (working days)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(365)],
        help_text=_(
            "0 means done on the spot (即办). Empty means the statutory limit. Never more than the statutory "
            "limit."
        ),
    )
    time_limit_note = models.CharField(
        _("time limit in the law's words"),
        max_length=300,
        blank=True,
        help_text=_(
            "A limit the law does not count in working days (e.g. 六十日, a cooling-off period), quoted with "
            "its article; the guide shows it when no number of working days is set."
        ),
    )
    fees = models.CharField(_("fees"), max_length=300, blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    result_name = models.CharField(_("result"), max_length=200, blank=True)
    # None ticked means the ways of delivery are not published here (the guide says so).
    delivery_window = models.BooleanField(_("result picked up at a window"), default=False)
    delivery_post = models.BooleanField(_("result sent by post"), default=False)
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
            # The case engine files cases in an item's modes: an item applied for through the
            # portal has at least one, an item done elsewhere has none (so no case can be filed).
            models.CheckConstraint(
                condition=(
                    Q(channel="portal")
                    & (Q(supports_online=True) | Q(supports_proxy=True) | Q(supports_joint=True))
                )
                | (
                    ~Q(channel="portal")
                    & Q(supports_online=False, supports_proxy=False, supports_joint=False)
                ),
                name="item_modes_match_channel",
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
        if self.promised_days is not None and self.promised_days > self.effective_statutory_days:
            errors["promised_days"] = _(
                "The promised limit (%(promised)s) cannot exceed the statutory limit (%(statutory)s)."
            ) % {"promised": self.promised_days, "statutory": self.effective_statutory_days}
        # Keyed on the first mode box: the admin form and the API both have it.
        if self.applied_through_portal and not self.modes:
            errors["supports_online"] = _("An item supports at least one mode.")
        elif not self.applied_through_portal and self.modes:
            errors["supports_online"] = _(
                "An item that is not applied for through this portal has no mode: untick the modes."
            )
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
    def applied_through_portal(self) -> bool:
        return self.channel == self.Channel.PORTAL

    @property
    def time_limit_published(self) -> bool:
        return self.statutory_days is not None or self.promised_days is not None

    @property
    def on_the_spot(self) -> bool:
        """即办: done the day it is accepted (0 working days)."""
        return self.time_limit_published and self.effective_promised_days == 0

    @property
    def effective_statutory_days(self) -> int:
        """The limit a case's clock counts: the item's own, else the 20-working-day default.

        The default is the case engine's, never shown on a guide as the item's limit.
        """
        if self.statutory_days is not None:
            return self.statutory_days
        return settings.DEFAULT_TIME_LIMIT_DAYS

    @property
    def effective_promised_days(self) -> int:
        if self.promised_days is not None:
            return self.promised_days
        return self.effective_statutory_days

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


class MaterialColumns(models.Model):
    """The columns of one entry of a materials list (申请材料), national or a region's."""

    class Form(models.TextChoices):
        PAPER = "paper", _("Paper")
        ELECTRONIC = "electronic", _("Electronic")
        EITHER = "either", _("Paper or electronic")

    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("material"), max_length=200)
    form = models.CharField(_("form"), max_length=10, choices=Form.choices, default=Form.EITHER)
    original_required = models.BooleanField(_("original needed"), default=False)
    copies = models.PositiveSmallIntegerField(_("copies"), default=1, validators=[MaxValueValidator(20)])
    required = models.BooleanField(
        _("required"),
        default=True,
        help_text=_(
            "Every applicant must hand it in. A material needed only in some cases (e.g. a mandate letter "
            "when someone acts for you) is not required: say when in the note."
        ),
    )
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("Who issues it, e.g. 公安机关.")
    )
    note = models.CharField(
        _("note"), max_length=300, blank=True, help_text=_("When it is needed, and its legal source.")
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


class MaterialRequirement(MaterialColumns):
    """One entry of an item's materials list (申请材料)."""

    item = models.ForeignKey(
        ServiceItem, on_delete=models.CASCADE, related_name="materials", verbose_name=_("item")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["item", "position", "id"]
        verbose_name = _("required material")
        verbose_name_plural = _("required materials")


class SearchSynonym(models.Model):
    """A word people type and the words the national list uses for it, e.g. 社保 → 社会保障, 社会保险.

    Search (catalogue/search.py) looks for an item under the term and under each expansion.
    Admins edit the table; `setup_portal` seeds it from fixtures/synonyms.csv without touching
    rows that exist or that an admin deleted.
    """

    term = models.CharField(
        _("term"),
        max_length=50,
        unique=True,
        help_text=_("What people type, e.g. 社保 or 营业执照注销. Compared without spaces or punctuation."),
    )
    expansions = models.TextField(
        _("expansions"),
        help_text=_(
            "The words the item list uses for it, separated by “/” or one per line, e.g. 社会保障/社会保险."
        ),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["term"]
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")

    def __str__(self) -> str:
        return f"{self.term} → {' / '.join(self.expansion_list)}"

    def clean(self) -> None:
        from .search import compact, split_expansions

        self.term = compact(self.term)
        if len(self.term) < 2:
            raise ValidationError({"term": _("A term has at least two characters.")})
        words = split_expansions(self.expansions)
        if not words:
            raise ValidationError({"expansions": _("Give at least one expansion.")})
        self.expansions = " / ".join(words)

    @property
    def expansion_list(self) -> list[str]:
        from .search import split_expansions

        return split_expansions(self.expansions)


# --- Region guides (实施清单) and the 跨省通办 windows ------------------------------------------
# docs/catalogue.md, "Region guides (实施清单) and windows".


def region_prefix(region: Region) -> str:
    """The leading digits every code inside `region` shares (GB/T 2260): 44, 4403, 440305."""
    if region.level == Region.Level.PROVINCE:
        return region.code[:2]
    if region.level == Region.Level.PREFECTURE:
        return region.code[:4]
    return region.code


def region_contains(region: Region, code: str) -> bool:
    return code.startswith(region_prefix(region))


class ServiceWindow(models.Model):
    """A 跨省通办 window (专窗) of a service hall: where paper materials are handed in by proxy
    receipt and results picked up. Listed on /windows/ and by the region guides that name it."""

    name = models.CharField(
        _("window name"),
        max_length=120,
        unique=True,
        help_text=_("As the hall writes it, e.g. 南山区政务服务中心跨省通办专窗. Files name windows by it."),
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="service_windows"
    )
    address = models.CharField(_("address"), max_length=200)
    hours = models.CharField(
        _("opening hours"),
        max_length=200,
        help_text=_("e.g. 周一至周五 9:00—12:00、14:00—18:00（法定节假日除外）"),
    )
    phone = models.CharField(_("phone"), max_length=60, blank=True)
    # The portal's own record of the hall, when it has one (its clerks file proxy cases there).
    office = models.ForeignKey(
        "cases.Office",
        verbose_name=_("service hall on this portal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="service_windows",
        limit_choices_to={"kind": "hall"},
        help_text=_("The hall's office on this portal, if its clerks work here."),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["region_id", "name"]
        verbose_name = _("跨省通办 window")
        verbose_name_plural = _("跨省通办 windows")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.office_id and self.region_id and self.office.region_id != self.region_id:
            message = _("The hall is in %(hall)s, the window in %(window)s: choose the same region.")
            raise ValidationError({"office": message % {"hall": self.office.region, "window": self.region}})

    @property
    def ancestry(self) -> list[Region]:
        """The window's region and those above it, province first (needs region__parent__parent)."""
        chain, region = [], self.region
        while region is not None:
            chain.insert(0, region)
            region = region.parent
        return chain


class RegionGuide(models.Model):
    """A province's or city's own guide (实施清单) for a national item.

    It carries only what a region may set: its conditions, materials, fees, promised limit,
    windows, handling offices and contact. The 四级四同 standard elements (code, legal basis,
    item type, handling level) and the list's own columns stay those of the national item: the
    guide has no such fields, so no form, file or API can change them here.
    """

    item = models.ForeignKey(
        ServiceItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="region_guides"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="guides",
        help_text=_(
            "The province or city that publishes this guide; it also applies to the regions under it."
        ),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ServiceItem.Status.choices, default=ServiceItem.Status.DRAFT
    )
    conditions = models.TextField(_("conditions"), blank=True, help_text=_("Empty: the national guide's."))
    fees = models.CharField(
        _("fees"), max_length=300, blank=True, help_text=_("Empty: the national guide's.")
    )
    promised_days = models.PositiveSmallIntegerField(
        _("promised limit (working days)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(365)],
        help_text=_(
            "0 means done on the spot (即办). Empty means the national guide's. Never more than the item's "
            "statutory limit."
        ),
    )
    delivery_note = models.CharField(
        _("how the result is delivered"),
        max_length=300,
        blank=True,
        help_text=_("e.g. 窗口领取或免费邮寄; empty: the national guide's ways of delivery."),
    )
    handling_offices = models.TextField(
        _("handling offices"), blank=True, help_text=_("The offices that decide, one per line.")
    )
    windows = models.ManyToManyField(
        ServiceWindow,
        verbose_name=_("windows that accept it"),
        blank=True,
        related_name="guides",
        help_text=_("跨省通办 windows in this region that accept the item."),
    )
    contact = models.CharField(
        _("enquiries"), max_length=200, blank=True, help_text=_("咨询电话 or address.")
    )
    source = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("Where the region publishes its guide (site and page), so a reader can check it."),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(m2m_fields=[windows])

    class Meta:
        ordering = ["item", "region_id"]
        verbose_name = _("region guide")
        verbose_name_plural = _("region guides")
        constraints = [
            models.UniqueConstraint(fields=["item", "region"], name="region_guide_unique_item_region")
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.item.name} · {self.region.name}"

    def clean(self) -> None:
        if self.item_id is None or self.promised_days is None:
            return
        statutory = self.item.effective_statutory_days
        if self.promised_days > statutory:
            raise ValidationError(
                {
                    "promised_days": _(
                        "The promised limit (%(promised)s) cannot exceed the item's statutory limit "
                        "(%(statutory)s)."
                    )
                    % {"promised": self.promised_days, "statutory": statutory}
                }
            )

    def windows_outside(self, windows) -> list[ServiceWindow]:
        """The windows of `windows` that are not in this guide's region."""
        return [w for w in windows if not region_contains(self.region, w.region_id)]

    @property
    def handling_office_list(self) -> list[str]:
        return [line.strip() for line in self.handling_offices.splitlines() if line.strip()]

    @property
    def key(self) -> str:
        """The guide's key in spreadsheets: 事项代码/地区代码, e.g. KS-2-001/510100."""
        return f"{self.item.code}/{self.region_id}"


class RegionMaterial(MaterialColumns):
    """One entry of a region guide's materials list: the same columns as MaterialRequirement.

    A table of its own rather than MaterialRequirement with a nullable guide: every reader of
    an item's materials (guide page, API, facts loader, export) would otherwise have to leave
    the regions' rows out, and one that forgot would show a region's list as the national one.
    """

    guide = models.ForeignKey(
        RegionGuide, on_delete=models.CASCADE, related_name="materials", verbose_name=_("region guide")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["guide", "position", "id"]
        verbose_name = _("region guide material")
        verbose_name_plural = _("region guide materials")
