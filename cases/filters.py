"""Query-string filters of the case list; invalid values are a 400 naming the field."""

import django_filters
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.filters import StrictBooleanFilter

from . import selectors, workflows
from .deadlines import local_date
from .models import Case, Mode

STATUS_CHOICES = [(status, label) for status, label in workflows.STATUS_LABELS.items()]


class CaseFilter(django_filters.FilterSet):
    # No DISTINCT (the default of a multiple choice): a status filter joins nothing, and DISTINCT over
    # every column of the page made PostgreSQL sort all matching cases of a million before the first 21.
    status = django_filters.MultipleChoiceFilter(choices=STATUS_CHOICES, label=_("Status"), distinct=False)
    mode = django_filters.ChoiceFilter(choices=Mode.choices, label=_("Mode"))
    item = django_filters.CharFilter(field_name="item__code", label=_("Item code"), max_length=16)
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

    def filter_region(self, queryset, name, value):
        prefix = value.rstrip("0")
        prefix = prefix + "0" * (len(prefix) % 2)  # 440000 → 44, 440300 → 4403, 110105 → 110105
        return queryset.filter(
            Q(receiving_office__region__code__startswith=prefix)
            | Q(handling_office__region__code__startswith=prefix)
        )

    def filter_overdue(self, queryset, name, value):
        condition = selectors.overdue_q(local_date(timezone.now()))
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_due_soon(self, queryset, name, value):
        condition = selectors.due_soon_q(local_date(timezone.now()))
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_sign_overdue(self, queryset, name, value):
        condition = selectors.sign_overdue_q(local_date(timezone.now()))
        return queryset.filter(condition) if value else queryset.exclude(condition)
