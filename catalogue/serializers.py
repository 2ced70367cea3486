"""JSON shapes of the catalogue API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import Department, MaterialRequirement, Region, ServiceItem


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


class ItemSerializer(serializers.ModelSerializer):
    lead_department = DepartmentRefSerializer(read_only=True)
    cooperating_departments = DepartmentRefSerializer(many=True, read_only=True)
    modes = serializers.ListField(child=serializers.ChoiceField(["online", "proxy", "joint"]), read_only=True)
    effective_statutory_days = serializers.IntegerField(read_only=True)
    effective_promised_days = serializers.IntegerField(read_only=True)

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
            "modes",
            "audience",
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
    materials = MaterialSerializer(many=True, read_only=True)
    delivery_options = serializers.ListField(
        child=serializers.ChoiceField(["window", "post", "online"]), read_only=True
    )

    class Meta(ItemSerializer.Meta):
        fields = ItemSerializer.Meta.fields + [
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
    modes = serializers.MultipleChoiceField(
        choices=["online", "proxy", "joint"], required=False, allow_empty=False
    )
    statutory_days = serializers.IntegerField(min_value=1, max_value=365, required=False, allow_null=True)
    promised_days = serializers.IntegerField(min_value=1, max_value=365, required=False, allow_null=True)
    fees = serializers.CharField(max_length=300, required=False, allow_blank=True)
    conditions = serializers.CharField(required=False, allow_blank=True)
    result_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    delivery_options = serializers.MultipleChoiceField(
        choices=["window", "post", "online"], required=False, allow_empty=False
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
