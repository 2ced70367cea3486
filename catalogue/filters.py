"""Query-string filters of the item, department and region lists (API and web pages share them).

An invalid value (an unknown batch, department or mode) is a 400 with the field named, never
an empty list that looks like an answer.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from . import selectors
from .models import Department, Region, ServiceItem


class StrictBooleanField(forms.Field):
    """true/false or 1/0; anything else is an error, not "no filter" (as Django's NullBooleanField has it)."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Use true or false (or 1 and 0).")}

    def to_python(self, value):
        text = str(value).strip().lower() if value is not None else ""
        if text == "":
            return None
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


@extend_schema_field(OpenApiTypes.STR)
class DepartmentCodeFilter(django_filters.ModelChoiceFilter):
    """A department given by its code, e.g. MOHRSS."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Department.objects.all(), to_field_name="code", **kwargs)


MODE_CHOICES = [("online", _("Fully online")), ("proxy", _("Proxy receipt")), ("joint", _("Joint handling"))]


class ItemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_(
            "Search the name, scenario and result as people write them (简称 and common words included); "
            "best match first unless an ordering is given"
        ),
        max_length=100,
    )
    batch = django_filters.TypedChoiceFilter(choices=ServiceItem.Batch.choices, coerce=int, label=_("Batch"))
    lead_department = DepartmentCodeFilter(label=_("Lead department (code)"))
    department = DepartmentCodeFilter(
        method="filter_department", label=_("Lead or cooperating department (code)")
    )
    mode = django_filters.ChoiceFilter(choices=MODE_CHOICES, method="filter_mode", label=_("Mode"))
    audience = django_filters.ChoiceFilter(
        choices=ServiceItem.Audience.choices, method="filter_audience", label=_("Audience")
    )
    status = django_filters.ChoiceFilter(choices=ServiceItem.Status.choices, label=_("Status"))
    ordering = django_filters.OrderingFilter(
        fields=(
            ("batch", "batch"),
            ("seq", "seq"),
            ("code", "code"),
            ("name", "name"),
            ("updated_at", "updated_at"),
        ),
        label=_("Ordering"),
    )

    class Meta:
        model = ServiceItem
        fields = ["q", "batch", "lead_department", "department", "mode", "audience", "status"]

    def filter_q(self, queryset, name, value):
        # Runs first (first in Meta.fields) and `ordering` last, so an ordering asked for replaces relevance.
        return selectors.search_items(queryset, value)

    def filter_department(self, queryset, name, value):
        return queryset.filter(Q(lead_department=value) | Q(cooperating_departments=value)).distinct()

    def filter_mode(self, queryset, name, value):
        return queryset.filter(**{f"supports_{value}": True})

    def filter_audience(self, queryset, name, value):
        # An item open to both persons and organisations is an item for each of them.
        if value == ServiceItem.Audience.BOTH:
            return queryset.filter(audience=value)
        return queryset.filter(audience__in=[value, ServiceItem.Audience.BOTH])


class RegionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Region.Level.choices, label=_("Level"))
    parent = django_filters.ModelChoiceFilter(queryset=Region.objects.all(), label=_("Parent code"))
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="contains", label=_("Name contains"), max_length=50
    )
    current = StrictBooleanFilter(field_name="valid_until", lookup_expr="isnull", label=_("Still valid"))

    class Meta:
        model = Region
        fields = ["level", "parent", "q", "current"]
