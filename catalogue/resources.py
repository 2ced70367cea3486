"""Excel/CSV export and import of the item list (django-import-export), used by the admin.

Import is all or nothing: the admin shows a preview first, and a file with any invalid row
(an unknown department, a promised limit above the statutory one, a malformed code…) is
refused whole, with the rows and fields at fault listed.
"""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from .models import Department, ItemCooperation, ServiceItem
from .reference import COOPERATING_SEPARATOR
from .services import DELIVERY_FIELDS, MODE_FIELDS


class FlagsWidget(widgets.Widget):
    """A comma-separated set of names ("online,proxy") stored as boolean fields."""

    def __init__(self, flags: dict[str, str]):
        super().__init__()
        self.flags = flags

    def clean(self, value, row=None, **kwargs):
        chosen = {part.strip() for part in str(value or "").replace("，", ",").split(",") if part.strip()}
        unknown = chosen - set(self.flags)
        if unknown:
            raise ValueError(
                _("Unknown value(s) %(unknown)s; use %(allowed)s.")
                % {"unknown": ", ".join(sorted(unknown)), "allowed": ", ".join(self.flags)}
            )
        return chosen

    def render(self, value, obj=None, **kwargs):
        # `value` is the item itself (FlagsField.get_value), the flags being several fields.
        return ",".join(name for name, field in self.flags.items() if getattr(value, field))


class FlagsField(fields.Field):
    def __init__(self, column_name: str, flags: dict[str, str]):
        super().__init__(attribute=column_name, column_name=column_name, widget=FlagsWidget(flags))
        self.flags = flags

    def get_value(self, obj):
        return obj

    def save(self, instance, row, is_m2m=False, **kwargs):
        chosen = self.clean(row, **kwargs)
        for name, field in self.flags.items():
            setattr(instance, field, name in chosen)


class DepartmentsWidget(widgets.Widget):
    """Department names separated by 、 as the list writes them, order kept."""

    def clean(self, value, row=None, **kwargs):
        names = [name.strip() for name in str(value or "").split(COOPERATING_SEPARATOR) if name.strip()]
        found = {d.name: d for d in Department.objects.filter(name__in=names)}
        unknown = [name for name in names if name not in found]
        if unknown:
            raise ValueError(_("Unknown department(s): %(names)s.") % {"names": "、".join(unknown)})
        if len(set(names)) != len(names):
            raise ValueError(_("A department is named twice."))
        return [found[name] for name in names]

    def render(self, value, obj=None, **kwargs):
        # `value` is the item itself (CooperatingField.get_value): the order lives on the link rows.
        return COOPERATING_SEPARATOR.join(c.department.name for c in value.cooperations.all())


class DepartmentWidget(widgets.ForeignKeyWidget):
    """A department by its name; an unknown name is a field error, not a crash of the row."""

    def __init__(self):
        super().__init__(Department, field="name")

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except Department.DoesNotExist:
            raise ValueError(_("Unknown department: %(name)s.") % {"name": value}) from None


class CooperatingField(fields.Field):
    def __init__(self):
        super().__init__(
            attribute="cooperating_departments",
            column_name="cooperating_departments",
            widget=DepartmentsWidget(),
        )

    def get_value(self, obj):
        return obj

    def save(self, instance, row, is_m2m=False, **kwargs):
        # Kept on the instance until it has a primary key (see ItemResource.after_save_instance).
        instance._imported_cooperating = self.clean(row, **kwargs)


class ItemResource(resources.ModelResource):
    lead_department = fields.Field(
        attribute="lead_department",
        column_name="lead_department",
        widget=DepartmentWidget(),
    )
    cooperating_departments = CooperatingField()
    modes = FlagsField("modes", MODE_FIELDS)
    delivery_options = FlagsField("delivery_options", DELIVERY_FIELDS)

    class Meta:
        model = ServiceItem
        import_id_fields = ["code"]
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
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
            "standard_code",
            "legal_basis",
            "item_type",
            "handling_level",
            "prerequisites",
            "audience",
            "modes",
            "statutory_days",
            "promised_days",
            "fees",
            "conditions",
            "result_name",
            "delivery_options",
            "status",
        ]
        export_order = fields

    def get_queryset(self):
        links = ItemCooperation.objects.select_related("department").order_by("position")
        return ServiceItem.objects.select_related("lead_department").prefetch_related(
            Prefetch("cooperations", queryset=links)
        )

    def after_save_instance(self, instance, row, **kwargs):
        wanted = getattr(instance, "_imported_cooperating", None)
        if wanted is None:
            return
        current = list(instance.cooperations.order_by("position").values_list("department_id", flat=True))
        if current != [department.pk for department in wanted]:
            instance.cooperations.all().delete()
            ItemCooperation.objects.bulk_create(
                ItemCooperation(item=instance, department=department, position=position)
                for position, department in enumerate(wanted, start=1)
            )
