"""JSON shapes of the catalogue API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import (
    Department,
    MaterialRequirement,
    Region,
    RegionGuide,
    RegionMaterial,
    ServiceItem,
    ServiceWindow,
)


class DepartmentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["code", "name"]


class DepartmentSerializer(serializers.ModelSerializer):
    lead_count = serializers.IntegerField(read_only=True, help_text=_("Visible items it leads."))
    cooperating_count = serializers.IntegerField(
        read_only=True, help_text=_("Visible items it cooperates on.")
    )

    class Meta:
        model = Department
        fields = ["code", "name", "full_name", "name_en", "lead_count", "cooperating_count"]


class PublishedText(serializers.CharField):
    """A guide text: null when the item does not publish it (the guide says 以办理地公布为准)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class PublishedChoice(serializers.ChoiceField):
    """A choice of the guide: null when not set."""

    def __init__(self, choices, **kwargs):
        super().__init__([c for c in choices if c], read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class ItemSerializer(serializers.ModelSerializer):
    lead_department = DepartmentRefSerializer(read_only=True)
    cooperating_departments = DepartmentRefSerializer(many=True, read_only=True)
    modes = serializers.ListField(
        child=serializers.ChoiceField(["online", "proxy", "joint"]),
        read_only=True,
        help_text=_("Empty for an item that is not applied for through the portal (see channel)."),
    )
    applied_through_portal = serializers.BooleanField(
        read_only=True, help_text=_("False: nothing to file here; where_to_go says where it is done.")
    )
    on_the_spot = serializers.BooleanField(
        read_only=True, help_text=_("Done on the spot (即办, 0 working days).")
    )
    effective_statutory_days = serializers.SerializerMethodField(
        help_text=_(
            "The statutory limit in working days; null when the item publishes none (a case filed under it "
            "runs on the 20-working-day default and carries its own due dates)."
        )
    )
    effective_promised_days = serializers.SerializerMethodField(
        help_text=_(
            "The promised limit in working days, else the statutory one; null when neither is published."
        )
    )

    def get_effective_statutory_days(self, item) -> int | None:
        return item.effective_statutory_days if item.time_limit_published else None

    def get_effective_promised_days(self, item) -> int | None:
        return item.effective_promised_days if item.time_limit_published else None

    class Meta:
        model = ServiceItem
        fields = [
            "code",
            "batch",
            "seq",
            "name",
            "scenario",
            "lead_department",
            "lead_department_note",
            "cooperating_departments",
            "deadline",
            "scope_note",
            "channel",
            "applied_through_portal",
            "modes",
            "in_person",
            "audience",
            "on_the_spot",
            "statutory_days",
            "promised_days",
            "effective_statutory_days",
            "effective_promised_days",
            "status",
            "updated_at",
        ]


class MaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaterialRequirement
        fields = ["name", "form", "original_required", "copies", "required", "source", "note"]


class ItemGuideSerializer(ItemSerializer):
    materials = MaterialSerializer(
        many=True,
        read_only=True,
        help_text=_("Empty when no materials list is published here: the handling region's list applies."),
    )
    delivery_options = serializers.ListField(
        child=serializers.ChoiceField(["window", "post", "online"]),
        read_only=True,
        help_text=_("Empty when the ways of delivery are not published here."),
    )
    where_to_go = PublishedText()
    time_limit_note = PublishedText(help_text=_("A limit the law does not count in working days, quoted."))
    standard_code = PublishedText()
    legal_basis = PublishedText()
    item_type = PublishedChoice(ServiceItem.ItemType.values)
    handling_level = PublishedText()
    prerequisites = PublishedText()
    conditions = PublishedText()
    fees = PublishedText()
    result_name = PublishedText()

    class Meta(ItemSerializer.Meta):
        fields = ItemSerializer.Meta.fields + [
            "where_to_go",
            "time_limit_note",
            "standard_code",
            "legal_basis",
            "item_type",
            "handling_level",
            "prerequisites",
            "conditions",
            "fees",
            "result_name",
            "delivery_options",
            "materials",
        ]


class ItemUpdateSerializer(serializers.Serializer):
    """Fields staff may change through the API; the list's own columns are changed in the admin."""

    scope_note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    standard_code = serializers.CharField(max_length=64, required=False, allow_blank=True)
    legal_basis = serializers.CharField(required=False, allow_blank=True)
    item_type = serializers.ChoiceField(ServiceItem.ItemType.choices, required=False, allow_blank=True)
    handling_level = serializers.CharField(max_length=100, required=False, allow_blank=True)
    prerequisites = serializers.CharField(required=False, allow_blank=True)
    audience = serializers.ChoiceField(ServiceItem.Audience.choices, required=False)
    channel = serializers.ChoiceField(ServiceItem.Channel.choices, required=False)
    # Empty only for an item not applied for through the portal (checked with the channel).
    modes = serializers.MultipleChoiceField(choices=["online", "proxy", "joint"], required=False)
    in_person = serializers.BooleanField(required=False)
    where_to_go = serializers.CharField(max_length=300, required=False, allow_blank=True)
    statutory_days = serializers.IntegerField(
        min_value=0, max_value=365, required=False, allow_null=True, help_text=_("0 = on the spot (即办).")
    )
    promised_days = serializers.IntegerField(
        min_value=0, max_value=365, required=False, allow_null=True, help_text=_("0 = on the spot (即办).")
    )
    time_limit_note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    fees = serializers.CharField(max_length=300, required=False, allow_blank=True)
    conditions = serializers.CharField(required=False, allow_blank=True)
    result_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    delivery_options = serializers.MultipleChoiceField(
        choices=["window", "post", "online"],
        required=False,
        help_text=_("Empty: the ways of delivery are not published here."),
    )
    status = serializers.ChoiceField(ServiceItem.Status.choices, required=False)


class RegionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level"]


class RegionSerializer(serializers.ModelSerializer):
    parent = RegionRefSerializer(read_only=True, allow_null=True)  # null for a province
    source = serializers.CharField(source="dataset.source", read_only=True)
    data_date = serializers.CharField(source="dataset.data_date", read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "valid_until", "source", "data_date"]


class RegionDetailSerializer(RegionSerializer):
    children = RegionRefSerializer(many=True, read_only=True)

    class Meta(RegionSerializer.Meta):
        fields = RegionSerializer.Meta.fields + ["children"]


# --- Region guides (实施清单) and windows ------------------------------------------------------


class ServiceWindowSerializer(serializers.ModelSerializer):
    region = RegionRefSerializer(read_only=True)
    phone = PublishedText()
    items = serializers.SerializerMethodField(
        help_text=_("Codes of the published items whose published region guides name the window.")
    )

    class Meta:
        model = ServiceWindow
        fields = ["id", "name", "region", "address", "hours", "phone", "is_demo", "items"]

    def get_items(self, window) -> list[str]:
        return [item.code for item in getattr(window, "items_named", [])]


class WindowRefSerializer(ServiceWindowSerializer):
    class Meta(ServiceWindowSerializer.Meta):
        fields = ["id", "name", "region", "address", "hours", "phone", "is_demo"]


class RegionMaterialSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegionMaterial
        fields = ["name", "form", "original_required", "copies", "required", "source", "note"]


class RegionGuideSerializer(serializers.ModelSerializer):
    """A region's guide: only what a region sets; the standard elements are the item's."""

    region = RegionRefSerializer(read_only=True, help_text=_("The region that publishes the guide."))
    conditions = PublishedText(help_text=_("null: the national guide's conditions apply."))
    fees = PublishedText(help_text=_("null: the national guide's fees apply."))
    promised_days = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=_("Working days; 0 = on the spot (即办); null: the national guide's limit applies."),
    )
    delivery_note = PublishedText()
    handling_offices = serializers.ListField(
        source="handling_office_list", child=serializers.CharField(), read_only=True
    )
    contact = PublishedText()
    source = PublishedText(help_text=_("Where the region publishes its guide."))
    materials = RegionMaterialSerializer(
        many=True, read_only=True, help_text=_("Empty: the national guide's materials list applies.")
    )
    windows = WindowRefSerializer(many=True, read_only=True)

    class Meta:
        model = RegionGuide
        fields = [
            "region",
            "status",
            "conditions",
            "fees",
            "promised_days",
            "delivery_note",
            "handling_offices",
            "contact",
            "source",
            "is_demo",
            "updated_at",
            "materials",
            "windows",
        ]
