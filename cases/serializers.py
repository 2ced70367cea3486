"""JSON shapes of the cases API. Personal data is masked unless the caller handles the case."""

import copy
from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalogue.models import MaterialRequirement, ServiceItem

from . import identity, reach, selectors, workflows
from .deadlines import local_date
from .materials import missing_required
from .models import (
    Applicant,
    Case,
    CaseEvent,
    HandoffMessage,
    IdType,
    Leg,
    Material,
    Mode,
    Notification,
    Office,
    RevealRecord,
)


class FieldsBuiltOnce:
    """A ModelSerializer whose fields are built from the model once per class, not per instance.

    DRF rebuilds every field of a ModelSerializer from the model's metadata each time one is made:
    a case's detail makes a dozen (legs, materials, timeline, applicant…) per answer, and building
    their fields was 60 % of rendering it (4.3 → 1.7 ms a case). The fields depend on the class
    alone (Meta and declared fields, never the context); each instance still gets its own copies,
    since DRF binds a field to its parent.
    """

    def get_fields(self):
        built = type(self).__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            type(self)._fields_built_once = built
        return copy.deepcopy(built)


class OfficeSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id")
    region_name = serializers.CharField(source="region.name")
    # A hall has no department line.
    department = serializers.CharField(source="department.code", default=None, allow_null=True)

    class Meta:
        model = Office
        fields = ["code", "name", "kind", "region", "region_name", "department", "is_demo"]


class OfficeRefSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    region = serializers.CharField(source="region_id")

    class Meta:
        model = Office
        fields = ["code", "name", "region"]


OfficeField = serializers.SlugRelatedField  # offices are named by their code in requests


# --- Input ----------------------------------------------------------------------------------


class PhoneField(serializers.CharField):
    """A phone as people type it (全角 digits, spaces, dashes), stored as digits."""

    def __init__(self, **kwargs):
        super().__init__(max_length=30, **kwargs)

    def to_internal_value(self, data):
        try:
            return identity.validate_phone(super().to_internal_value(data))
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None


class ApplicantInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(Applicant.Kind.choices)
    name = serializers.CharField(max_length=100)
    id_type = serializers.ChoiceField(IdType.choices)
    id_number = serializers.CharField(max_length=30)
    phone = PhoneField(required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    agent_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    agent_id_type = serializers.ChoiceField(IdType.choices, required=False, allow_blank=True)
    agent_id_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    mandate = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def validate(self, attrs):
        errors = {}
        organisation = attrs["kind"] == Applicant.Kind.ORGANISATION
        if organisation != (attrs["id_type"] == IdType.USCC):
            errors["id_type"] = _(
                "Organisations use the unified social credit code; persons an identity document."
            )
        else:
            try:
                attrs["id_number"] = identity.validate_id(attrs["id_number"], attrs["id_type"])
            except DjangoValidationError as error:
                errors["id_number"] = error.messages
        if attrs.get("agent_name"):
            if attrs.get("agent_id_type") in ("", None, IdType.USCC) or not attrs.get("agent_id_number"):
                errors["agent_id_number"] = _("An agent is identified by their own identity document.")
            else:
                try:
                    attrs["agent_id_number"] = identity.validate_id(
                        attrs["agent_id_number"], attrs["agent_id_type"]
                    )
                except DjangoValidationError as error:
                    errors["agent_id_number"] = error.messages
            if not attrs.get("mandate"):
                errors["mandate"] = _("Record the mandate (授权委托书) the agent acts under.")
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ContactInputSerializer(serializers.Serializer):
    phone = PhoneField(required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)


class CooperationInputSerializer(serializers.Serializer):
    office = OfficeField(slug_field="code", queryset=Office.objects.select_related("region"))
    after = OfficeField(
        slug_field="code",
        queryset=Office.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("The office whose leg must agree first (e.g. 转出地 before 转入地)."),
    )
    required = serializers.BooleanField(default=True)


class MaterialInputSerializer(serializers.Serializer):
    """One material handed in (present): a row of the window's 收件 checklist, or one not on the list.

    The three marks are the window's to give; an applicant's are recorded as false (materials.marks_by).
    """

    name = serializers.CharField(max_length=200)
    requirement = serializers.PrimaryKeyRelatedField(
        queryset=MaterialRequirement.objects.all(), required=False, allow_null=True
    )
    original_on_paper = serializers.BooleanField(
        default=False,
        help_text=_("The original goes to the handling office on paper (原件寄递). Staff only."),
    )
    original_seen = serializers.BooleanField(
        default=False,
        help_text=_("Staff checked the original at the window (已核验原件). Staff only."),
    )
    copy_kept = serializers.BooleanField(
        default=False,
        help_text=_("The window keeps a copy on file (留存复印件). Staff only."),
    )


class CaseCreateSerializer(serializers.Serializer):
    item = serializers.SlugRelatedField(slug_field="code", queryset=ServiceItem.objects.all())
    mode = serializers.ChoiceField(Mode.choices)
    applicant = ApplicantInputSerializer(
        required=False,
        help_text=_(
            "Who the case is for. Window staff give it as checked at the window; an applicant account "
            "files in its own verified name (leave this out) or, with as_agent, for this principal."
        ),
    )
    as_agent = serializers.BooleanField(
        default=False,
        help_text=_(
            "An applicant account filing for someone else (代办): `applicant` is the principal; upload "
            "the mandate (授权委托书, material kind `mandate`) before the case can be accepted."
        ),
    )
    contact = ContactInputSerializer(
        required=False, help_text=_("Phone and address for this case (default: the account's phone).")
    )
    receiving_office = OfficeField(
        slug_field="code", queryset=Office.objects.select_related("region"), required=False, allow_null=True
    )
    handling_office = OfficeField(
        slug_field="code", queryset=Office.objects.select_related("region"), required=False, allow_null=True
    )
    cooperating = CooperationInputSerializer(many=True, required=False)
    delivery_method = serializers.ChoiceField(Case.Delivery.choices)
    delivery_address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    materials = MaterialInputSerializer(
        many=True,
        required=False,
        help_text=_(
            "What was handed in. When given, every required material of the item must be in it "
            "(all missing ones are named at once, 一次性告知); leave it out to add materials later."
        ),
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def validate(self, attrs):
        item = attrs["item"]
        if "materials" in attrs:
            entries = attrs["materials"]
            if any(e.get("requirement") and e["requirement"].item_id != item.pk for e in entries):
                raise serializers.ValidationError({"materials": _("A material requirement of another item.")})
            missing = missing_required(item, [e["requirement"].pk for e in entries if e.get("requirement")])
            if missing:
                raise serializers.ValidationError({"materials": [missing]})
        return attrs


class ActionInputSerializer(serializers.Serializer):
    leg = serializers.IntegerField(
        required=False, help_text=_("The leg (region's task) a leg action applies to.")
    )
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    missing = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text=_("Everything missing, told at once (一次性告知)."),
    )
    opinion = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    carrier = serializers.CharField(max_length=50, required=False, allow_blank=True)
    tracking_number = serializers.RegexField(r"^[A-Za-z0-9\-]{6,40}$", required=False, allow_blank=True)
    ship_to = serializers.ChoiceField(["applicant", "window"], required=False)


class MaterialUploadSerializer(serializers.Serializer):
    file = serializers.FileField(required=False)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    requirement = serializers.PrimaryKeyRelatedField(
        queryset=MaterialRequirement.objects.all(), required=False, allow_null=True
    )
    trust_level = serializers.ChoiceField(Material.Trust.choices, required=False)
    # What the window saw and did with the paper; an applicant's are recorded as false (materials.marks_by).
    original_on_paper = serializers.BooleanField(default=False)
    original_seen = serializers.BooleanField(default=False)
    copy_kept = serializers.BooleanField(default=False)
    kind = serializers.ChoiceField(
        [Material.Kind.MATERIAL, Material.Kind.MANDATE, Material.Kind.RESULT],
        default=Material.Kind.MATERIAL,
        help_text=_(
            "mandate: the 授权委托书 of an agent filing for someone else; result: the deciding office's "
            "electronic result (action attach_result), which the applicant downloads once delivered online."
        ),
    )


# --- Output ---------------------------------------------------------------------------------


def _reveal(context) -> bool:
    return bool(context.get("reveal"))


class ApplicantSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    class Meta:
        model = Applicant
        fields = [
            "kind",
            "name",
            "id_type",
            "id_number",
            "phone",
            "address",
            "agent_name",
            "agent_id_number",
            "mandate",
        ]

    def to_representation(self, applicant):
        data = super().to_representation(applicant)
        data.update(identity.present_person(applicant, reveal=_reveal(self.context)))
        return data


def is_overdue(case: Case, today: date) -> bool:
    due = reach.clock_due(case)  # the promised due date while the clock runs, as the lists read it
    return due is not None and due < today


class CaseSummarySerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    item = serializers.SerializerMethodField()
    status_label = serializers.SerializerMethodField()
    applicant_name = serializers.SerializerMethodField()
    receiving_office = OfficeRefSerializer()
    handling_office = OfficeRefSerializer()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "number",
            "item",
            "mode",
            "status",
            "status_label",
            "applicant_name",
            "receiving_office",
            "handling_office",
            "statutory_due",
            "promised_due",
            "overdue",
            "version",
            "created_at",
            "updated_at",
        ]

    def get_item(self, case) -> dict:
        return {"code": case.item.code, "name": case.item.name}

    def get_status_label(self, case) -> str:
        return workflows.status_label(case.status)

    def get_applicant_name(self, case) -> str:
        return identity.present_name(
            case.applicant.name, reveal=_reveal(self.context), kind=case.applicant.kind
        )

    def get_overdue(self, case) -> bool:
        return is_overdue(case, self.context.get("today") or local_date(timezone.now()))

    def to_representation(self, case):
        """The summary built field by field. DRF's own walk over the fields (an attribute lookup each, a
        nested serializer per office) is the reference and gives the same answer, field for field:
        tests/cases/test_summary.py holds both to it for every kind of case. This path only skips the
        walk, which was half the cost of summarising a busy inbox (51 rows: 2.0 → 1.0 ms). Dates are still
        formatted by the declared fields; CaseDetailSerializer takes DRF's walk (it adds fields)."""
        fields = self.fields
        return {
            "number": case.number,
            "item": self.get_item(case),
            "mode": case.mode,
            "status": case.status,
            "status_label": self.get_status_label(case),
            "applicant_name": self.get_applicant_name(case),
            "receiving_office": _office_ref(case.receiving_office),
            "handling_office": _office_ref(case.handling_office),
            "statutory_due": _shown(fields["statutory_due"], case.statutory_due),
            "promised_due": _shown(fields["promised_due"], case.promised_due),
            "overdue": self.get_overdue(case),
            "version": case.version,
            "created_at": _shown(fields["created_at"], case.created_at),
            "updated_at": _shown(fields["updated_at"], case.updated_at),
        }


def _office_ref(office) -> dict:
    """OfficeRefSerializer's answer for one office, without the serializer (a case summary's two)."""
    return {"code": office.code, "name": office.name, "region": office.region_id}


def _shown(field, value):
    """A value as its declared field shows it; None stays None, as in DRF's own walk."""
    return None if value is None else field.to_representation(value)


class LegSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    office = OfficeRefSerializer()
    status_label = serializers.SerializerMethodField()
    depends_on = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Leg
        fields = [
            "id",
            "position",
            "office",
            "status",
            "status_label",
            "depends_on",
            "required",
            "opinion",
            "sign_due",
            "signed_at",
            "answered_at",
        ]

    def get_status_label(self, leg) -> str:
        return workflows.leg_status_label(leg.status)


class CaseMaterialSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = Material
        fields = [
            "id",
            "kind",
            "name",
            "requirement",
            "size",
            "content_type",
            "sha256",
            "trust_level",
            "original_on_paper",
            "original_seen",
            "copy_kept",
            "uploaded_at",
            "download",
        ]

    def get_download(self, material) -> str | None:
        if not material.file or not (_reveal(self.context) or self.context.get("may_reveal")):
            return None  # staff who may reveal get the link: opening the file is recorded
        number = self.context["case_number"]
        return reverse("case-material-file", kwargs={"number": number, "material_id": material.pk})


class ShipmentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    from_office = serializers.CharField(source="from_office.name", default=None, allow_null=True)
    to_office = serializers.CharField(
        source="to_office.name", default=None, allow_null=True
    )  # None: to the applicant
    shipped_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField(allow_null=True)  # null while on its way


class EventSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    action_label = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = [
            "action",
            "action_label",
            "from_status",
            "to_status",
            "leg",
            "actor_name",
            "actor_role",
            "office_name",
            "region_code",
            "region_name",
            "note",
            "created_at",
        ]

    def get_action_label(self, event) -> str:
        return workflows.action_label(event.action)

    def to_representation(self, event):
        data = super().to_representation(event)
        data["actor_name"] = identity.present_actor(
            event.actor_name,
            event.actor_role,
            reveal=_reveal(self.context),
            staff_view=bool(self.context.get("staff_view")),
        )
        return data


class SuspensionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    reason = serializers.CharField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)  # null while the clock is stopped
    working_days = serializers.IntegerField(allow_null=True)


class HandoffSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    case = serializers.CharField(source="case.number")
    from_office = OfficeRefSerializer(allow_null=True)
    to_office = OfficeRefSerializer()

    class Meta:
        model = HandoffMessage
        fields = [
            "id",
            "kind",
            "case",
            "leg",
            "from_office",
            "to_office",
            "status",
            "attempts",
            "last_error",
            "available_at",
            "created_at",
            "sent_at",
            "delivered_at",
        ]


class AllowedActionSerializer(serializers.Serializer):
    action = serializers.CharField()
    leg = serializers.IntegerField(allow_null=True)
    needs = serializers.ListField(child=serializers.CharField())


class CaseReceiptSerializer(serializers.Serializer):
    """The short answer to a registration or an action asked with `Prefer: return=minimal` (RFC 7240)."""

    number = serializers.CharField()
    status = serializers.CharField()
    version = serializers.IntegerField(help_text=_("Send it as If-Match with the next action."))
    url = serializers.CharField(help_text=_("Where the case's full detail is."))


class CaseDetailSerializer(CaseSummarySerializer):
    applicant = serializers.SerializerMethodField()
    item_version = serializers.SerializerMethodField()
    legs = LegSerializer(many=True)
    materials = serializers.SerializerMethodField()
    shipments = ShipmentSerializer(many=True)
    timeline = EventSerializer(many=True, source="events")
    suspensions = SuspensionSerializer(many=True)
    handoffs = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    personal_data_revealed = serializers.SerializerMethodField(
        help_text=_("Whether the applicant block and names are shown in full.")
    )
    may_reveal = serializers.SerializerMethodField(
        help_text=_("Whether you may reveal the personal data in full (POST …/reveal/, recorded).")
    )

    # DRF's walk over every field: the summary's own path knows the summary's fields only.
    to_representation = serializers.ModelSerializer.to_representation

    class Meta(CaseSummarySerializer.Meta):
        fields = CaseSummarySerializer.Meta.fields + [
            "item_version",
            "applicant",
            "personal_data_revealed",
            "may_reveal",
            "delivery_method",
            "decision",
            "decision_note",
            "statutory_days",
            "promised_days",
            "accepted_at",
            "sign_due",
            "suspended_since",
            "closed_at",
            "calendar_note",
            "legs",
            "materials",
            "shipments",
            "suspensions",
            "handoffs",
            "timeline",
            "allowed_actions",
        ]

    def get_applicant(self, case) -> dict:
        return ApplicantSerializer(case.applicant, context=self.context).data

    def get_personal_data_revealed(self, case) -> bool:
        return _reveal(self.context)

    def get_may_reveal(self, case) -> bool:
        return bool(self.context.get("may_reveal"))

    def get_item_version(self, case) -> dict:
        version = case.item_version
        return {
            "history_id": version.history_id,
            "recorded_at": version.history_date,
            "statutory_days": version.statutory_days,
            "promised_days": version.promised_days,
        }

    def get_handoffs(self, case) -> list:
        if not self.context.get("staff_view"):
            return []
        return HandoffSerializer(case.handoffs.all(), many=True, context=self.context).data

    @extend_schema_field(CaseMaterialSerializer(many=True))
    def get_materials(self, case) -> list:
        visible = selectors.materials_visible(case, staff_view=bool(self.context.get("staff_view")))
        return CaseMaterialSerializer(visible, many=True, context=self.context).data

    @extend_schema_field(AllowedActionSerializer(many=True))
    def get_allowed_actions(self, case) -> list:
        return self.context.get("allowed_actions", [])


class TrackSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """Public progress: no personal data, no staff notes, no staff names.

    It shows promised_due, so it carries calendar_note: why that date is an estimate, or "".
    """

    item = serializers.CharField(source="item.name")
    status_label = serializers.SerializerMethodField()
    receiving_office = serializers.CharField(source="receiving_office.name")
    handling_office = serializers.CharField(source="handling_office.name")
    timeline = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "number",
            "item",
            "mode",
            "status",
            "status_label",
            "receiving_office",
            "handling_office",
            "promised_due",
            "calendar_note",
            "created_at",
            "timeline",
        ]

    def get_status_label(self, case) -> str:
        return workflows.status_label(case.status)

    def get_timeline(self, case) -> list[dict]:
        return [
            {
                "action": e.action,
                "action_label": workflows.action_label(e.action),
                "to_status": e.to_status,
                "office": e.office_name,
                "region": e.region_name,
                "at": e.created_at,
            }
            for e in case.events.all()
        ]


class RevealRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = RevealRecord
        fields = ["id", "case_number", "username", "role", "office_name", "region_code", "what", "created_at"]


class NotificationSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", default=None)

    class Meta:
        model = Notification
        fields = ["id", "kind", "case", "created_at", "read_at"]


# --- The supervisor's dashboard (cases.dashboard.figures): output only ------------------------------


class DashboardSummarySerializer(serializers.Serializer):
    open = serializers.IntegerField()
    due_soon = serializers.IntegerField()
    overdue = serializers.IntegerField()
    transfers_not_signed = serializers.IntegerField()
    legs_not_signed = serializers.IntegerField()
    failed_handoffs = serializers.IntegerField()


class DashboardOpenCasesSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=Mode.choices)
    mode_label = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    count = serializers.IntegerField()


class DashboardCaseRowSerializer(serializers.Serializer):
    number = serializers.CharField()
    item = serializers.CharField()
    mode = serializers.ChoiceField(choices=Mode.choices)
    mode_label = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    receiving_office = serializers.CharField()
    handling_office = serializers.CharField()
    promised_due = serializers.DateField(allow_null=True)
    sign_due = serializers.DateField(allow_null=True)


class DashboardLegRowSerializer(serializers.Serializer):
    number = serializers.CharField()
    item = serializers.CharField()
    leg = serializers.IntegerField()
    office = serializers.CharField()
    receiving_office = serializers.CharField()
    status_label = serializers.CharField()
    sign_due = serializers.DateField(allow_null=True)


class DashboardHandoffRowSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    number = serializers.CharField()
    from_office = serializers.CharField(allow_blank=True)
    to_office = serializers.CharField()
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    last_error = serializers.CharField(allow_blank=True, help_text=_("First line, shortened."))


class DashboardWeekSerializer(serializers.Serializer):
    week = serializers.CharField(help_text=_("ISO week, e.g. 2026-W48."))
    week_start = serializers.DateField(help_text=_("Its Monday."))
    week_end = serializers.DateField(help_text=_("Its Sunday."))
    online = serializers.IntegerField()
    proxy = serializers.IntegerField()
    joint = serializers.IntegerField()
    total = serializers.IntegerField()


class DashboardOnTimeSerializer(serializers.Serializer):
    office_code = serializers.CharField()
    office = serializers.CharField()
    concluded = serializers.IntegerField()
    on_time = serializers.IntegerField()
    rate = serializers.FloatField(help_text=_("Per cent, one decimal."))


class DashboardWorkingDaysSerializer(serializers.Serializer):
    office_code = serializers.CharField()
    office = serializers.CharField()
    concluded = serializers.IntegerField()
    average = serializers.FloatField(help_text=_("Working days, one decimal."))


class DashboardSerializer(serializers.Serializer):
    """The figures of the supervisor's dashboard; definitions in `cases/dashboard.py`.

    Dates are Beijing dates; rates are percentages and averages working days, with one decimal.
    """

    today = serializers.DateField()
    since = serializers.DateField(help_text=_("Monday of the first week the weekly figures count."))
    province = serializers.CharField(
        allow_blank=True, help_text=_("The supervisor's province code; empty for an admin (all regions).")
    )
    summary = DashboardSummarySerializer()
    open_cases = DashboardOpenCasesSerializer(many=True)
    due_soon = DashboardCaseRowSerializer(many=True)
    overdue = DashboardCaseRowSerializer(many=True)
    transfers_not_signed = DashboardCaseRowSerializer(many=True)
    legs_not_signed = DashboardLegRowSerializer(many=True)
    failed_handoffs = DashboardHandoffRowSerializer(many=True)
    received_per_week = DashboardWeekSerializer(many=True)
    on_time = DashboardOnTimeSerializer(many=True)
    working_days = DashboardWorkingDaysSerializer(many=True)
