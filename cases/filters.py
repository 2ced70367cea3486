"""Query-string filters of the case list; invalid values are a 400 naming the field."""

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.filters import StrictBooleanFilter
from catalogue.models import ServiceItem

from . import selectors, workflows
from .deadlines import local_date
from .models import Case, Mode, Office

STATUS_CHOICES = [(status, label) for status, label in workflows.STATUS_LABELS.items()]


class CaseFilter(django_filters.FilterSet):
    # No DISTINCT (the default of a multiple choice): a status filter joins nothing, and DISTINCT over
    # every column of the page made PostgreSQL sort all matching cases of a million before the first 21.
    status = django_filters.MultipleChoiceFilter(choices=STATUS_CHOICES, label=_("Status"), distinct=False)
    mode = django_filters.ChoiceFilter(choices=Mode.choices, label=_("Mode"))
    item = django_filters.CharFilter(method="filter_item", label=_("Item code"), max_length=16)
    region = django_filters.CharFilter(
        method="filter_region",
        label=_("Region code (province, prefecture or county)"),
        validators=[RegexValidator(r"^[0-9]{6}$", _("A region code has six digits."))],
    )
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("Past the promised due date"))
    due_soon = StrictBooleanFilter(method="filter_due_soon", label=_("Near the promised due date"))
    sign_overdue = StrictBooleanFilter(
        method="filter_sign_overdue", label=_("A transfer or leg not signed for in time")
    )

    class Meta:
        model = Case
        fields = ["status", "mode", "item", "region", "overdue", "due_soon", "sign_overdue"]

    def filter_item(self, queryset, name, value):
        # By the item's id, looked up first: a constant the planner can count (a rare item's few
        # cases are read off the case's item index), where a join to the items is walked case by case.
        item = ServiceItem.objects.filter(code=value.strip()).values_list("pk", flat=True).first()
        return queryset.filter(item_id=item) if item else queryset.none()

    def filter_region(self, queryset, name, value):
        prefix = value.rstrip("0")
        prefix = prefix + "0" * (len(prefix) % 2)  # 440000 → 44, 440300 → 4403, 110105 → 110105
        # The region's offices first (a small set, hashed once), not a join to the offices and their
        # regions for every case walked.
        offices = Office.objects.filter(region__code__startswith=prefix).values("pk")
        return queryset.filter(Q(receiving_office_id__in=offices) | Q(handling_office_id__in=offices))

    def filter_overdue(self, queryset, name, value):
        condition = selectors.overdue_q(local_date(timezone.now()))
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_due_soon(self, queryset, name, value):
        condition = selectors.due_soon_q(local_date(timezone.now()))
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_sign_overdue(self, queryset, name, value):
        condition = selectors.sign_overdue_q(local_date(timezone.now()))
        return queryset.filter(condition) if value else queryset.exclude(condition)
