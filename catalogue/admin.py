"""The admin: the catalogue's items (with their spreadsheet import and export and their history)
and the reference data.

Admins never see raw machine values: modes, statuses and audiences show as their labels; the
history shows verbose names, choice labels and "(empty)", and the changes of an item's materials
and cooperating departments beside its own. The import and export pages speak Chinese, name the
file after the list and the Beijing date, and list every problem of a file as
"第 N 行 · 列：消息" (see catalogue/resources.py for the file format).
"""

from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import TextField
from django.forms import Textarea
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.forms import ImportForm, SelectableFieldsExportForm
from import_export.results import RowResult
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from . import search
from .file_formats import SpreadsheetCSV
from .models import (
    Department,
    ItemCooperation,
    MaterialRequirement,
    Region,
    RegionDataset,
    RegionGuide,
    RegionMaterial,
    SearchSynonym,
    ServiceItem,
    ServiceWindow,
)
from .resources import (
    GUIDES_SHEET,
    ITEMS_SHEET,
    WINDOWS_SHEET,
    ItemResource,
    ItemWorkbook,
    RegionGuideResource,
    RegionGuideWorkbook,
    ServiceWindowResource,
    WindowWorkbook,
)
from .services import MODE_FIELDS
from .spreadsheets import FileProblem

admin.site.site_header = _("跨省通办 portal administration")
admin.site.site_title = _("跨省通办 admin")
admin.site.index_title = _("Catalogue and reference data")

BEIJING = ZoneInfo("Asia/Shanghai")  # the file's date is the officials' date, whatever TIME_ZONE says


# --- Import and export ---------------------------------------------------------------------------


class FormatChoicesMixin:
    """Formats offered by their labels ("Excel workbook (.xlsx)"), the first one chosen."""

    def _init_formats(self, formats):
        super()._init_formats(formats)
        self.fields["format"].choices = [(str(i), fmt.label) for i, fmt in enumerate(formats)]
        self.fields["format"].initial = "0"


class SpreadsheetImportForm(FormatChoicesMixin, ImportForm):
    """The format follows from the file's extension unless chosen."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = formats
        self.fields["import_file"].label = _("File")
        self.fields["import_file"].help_text = _(
            "An Excel workbook (.xlsx) or a CSV file (.csv) with the columns of an export."
        )
        self.fields["import_file"].widget.attrs = {"accept": ".xlsx,.csv"}
        self.fields["format"].required = False
        self.fields["format"].widget.attrs = {}
        self.fields["format"].choices = [("", _("From the file name"))] + self.fields["format"].choices
        self.fields["format"].initial = ""

    def clean(self):
        data = super().clean()
        upload = data.get("import_file")
        if upload and not data.get("format"):
            extension = Path(upload.name).suffix.lower().lstrip(".")
            found = [str(i) for i, fmt in enumerate(self.formats) if fmt().get_extension() == extension]
            if found:
                data["format"] = found[0]
            else:
                self.add_error("import_file", _("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
        return data


class SpreadsheetExportForm(FormatChoicesMixin, SelectableFieldsExportForm):
    """Columns offered by the names they have in the file."""

    def _get_field_label(self, resource, field_name):
        field = resource.fields.get(field_name)
        return field.column_name if field else field_name


def content_disposition(filename: str, fallback: str) -> str:
    """An attachment's header that browsers read for a Chinese name (RFC 6266, RFC 5987's filename*)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


class SpreadsheetAdminMixin(ImportExportMixin):
    """Import and export as officials use them; a ModelAdmin sets resource_classes and formats."""

    import_form_class = SpreadsheetImportForm
    export_form_class = SpreadsheetExportForm
    import_template_name = "admin/import_export/spreadsheet_import.html"
    export_template_name = "admin/import_export/spreadsheet_export.html"
    file_stem = "export"  # the file's name before the date, e.g. 跨省通办事项清单
    file_stem_ascii = "export"  # the same for clients that cannot read filename*

    def get_export_filename(self, request, queryset, file_format, stem=None):
        today = timezone.now().astimezone(BEIJING).date()
        return f"{stem or self.file_stem}-{today.isoformat()}.{file_format.get_extension()}"

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        response = super()._do_file_export(file_format, request, queryset, export_form=export_form)
        response["Content-Disposition"] = content_disposition(
            self.get_export_filename(request, queryset, file_format),
            self.get_export_filename(request, queryset, file_format, stem=self.file_stem_ascii),
        )
        return response

    def get_import_data_kwargs(self, **kwargs):
        # All or nothing, at the confirmation too: the database may have changed since the preview.
        return super().get_import_data_kwargs(**kwargs) | {"rollback_on_validation_errors": True}

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, FileProblem):
            form.add_error("import_file", str(e))
        else:
            form.add_error("import_file", _("This file cannot be read as the chosen format."))

    def add_success_message(self, result, request):
        counts = result.totals
        messages.success(
            request,
            _("Import finished: %(new)s new, %(update)s changed, %(skip)s unchanged.")
            % {
                "new": counts[RowResult.IMPORT_TYPE_NEW],
                "update": counts[RowResult.IMPORT_TYPE_UPDATE],
                "skip": counts[RowResult.IMPORT_TYPE_SKIP],
            },
        )

    def process_result(self, result, request):
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        # Refused at the confirmation (rolled back whole): show why, as the preview does.
        messages.error(request, _("Nothing was imported: the file no longer fits the database."))
        resources = self.get_import_resource_classes(request)
        form = self.get_import_form_class(request)(self.get_import_formats(), resources)
        context = self.admin_site.each_context(request) | {
            "title": _("Import"),
            "opts": self.model._meta,
            "form": form,
            "media": self.media + form.media,
            "fields_list": [
                (resource.get_display_name(), [f.column_name for f in resource().get_user_visible_fields()])
                for resource in resources
            ],
            "result": result,
        }
        return TemplateResponse(request, [self.import_template_name], context)


# --- History ---------------------------------------------------------------------------------------


def readable_value(field, value) -> str:
    if value is None or value == "":
        return gettext("(empty)")
    if isinstance(field, models.BooleanField):
        return gettext("Yes") if value else gettext("No")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


class ReadableHistory(HistoricalRecordContextHelper):
    """Changes with choice labels, yes/no and "(empty)" instead of raw values and None."""

    def prepare_delta_change_value(self, change, value):
        return readable_value(self.model._meta.get_field(change.field), value)


class RelatedChange:
    """One change of a child row (a material, a cooperating department), for the item's history."""

    def __init__(self, record, title: str):
        self.record, self.title = record, title
        self.changes = []
        if record.history_type == "~" and record.prev_record is not None:
            delta = record.diff_against(record.prev_record, foreign_keys_are_objs=True)
            helper = ReadableHistory(record.instance_type, record)
            self.changes = [c for c in helper.context_for_delta_changes(delta) if c["field"]]


def related_changes(item_id, limit: int = 50) -> list[RelatedChange]:
    """The latest changes of an item's materials and cooperating departments, newest first."""
    materials = MaterialRequirement.history.filter(item_id=item_id).select_related("history_user")
    links = ItemCooperation.history.filter(item_id=item_id).select_related("history_user", "department")
    rows = [RelatedChange(r, str(_("Material: %(name)s") % {"name": r.name})) for r in materials[:limit]]
    rows += [
        RelatedChange(r, str(_("Cooperating department: %(name)s") % {"name": r.department.name}))
        for r in links[:limit]
    ]
    return sorted(rows, key=lambda row: row.record.history_date, reverse=True)[:limit]


# --- Items -----------------------------------------------------------------------------------------


class CooperationInline(admin.TabularInline):
    model = ItemCooperation
    extra = 0
    autocomplete_fields = ["department"]
    ordering = ["position"]


class MaterialInline(admin.TabularInline):
    model = MaterialRequirement
    extra = 0
    ordering = ["position"]
    fields = ["position", "name", "form", "original_required", "copies", "required", "source", "note"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "note":  # notes run long: two lines, not one wide input
            field.widget = Textarea(attrs={"rows": 2, "cols": 24})
        return field


class ModeFilter(admin.SimpleListFilter):
    title = _("modes")
    parameter_name = "mode"

    def lookups(self, request, model_admin):
        return [
            (mode, ServiceItem._meta.get_field(field).verbose_name) for mode, field in MODE_FIELDS.items()
        ]

    def queryset(self, request, queryset):
        if self.value() in MODE_FIELDS:
            return queryset.filter(**{MODE_FIELDS[self.value()]: True})
        return queryset


class ReadableHistoryAdmin(SimpleHistoryAdmin):
    """The catalogue's history pages in labels, not field names (`history_helper`), and the day a row
    was last updated for its list."""

    history_helper = ReadableHistory

    def get_historical_record_context_helper(self, request, historical_record):
        return self.history_helper(self.model, historical_record)

    @admin.display(description=_("updated at"), ordering="updated_at")
    def updated(self, obj):
        return date_format(timezone.localtime(obj.updated_at), "Y-m-d")


class OwnRowsHistoryMixin:
    """For a row whose materials (and departments) have their own history, shown below its own: a
    version with no change of its own says so, unless it is the oldest of the page (not known)."""

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        for record in historical_records:
            record.delta_known = hasattr(record, "history_delta_changes")


@admin.register(ServiceItem)
class ServiceItemAdmin(OwnRowsHistoryMixin, SpreadsheetAdminMixin, ReadableHistoryAdmin):
    resource_classes = [ItemResource]
    import_formats = export_formats = [ItemWorkbook, SpreadsheetCSV]
    file_stem = ITEMS_SHEET
    file_stem_ascii = "kuasheng-items"
    object_history_template = "admin/catalogue/serviceitem/object_history.html"
    object_history_list_template = "admin/catalogue/object_history_list.html"

    list_display = ["code", "name", "lead_department", "audience", "modes_display", "status", "updated"]
    list_filter = ["batch", "status", "audience", ModeFilter, "lead_department"]
    search_fields = ["code", "name", "scenario"]
    list_select_related = ["lead_department"]
    inlines = [CooperationInline, MaterialInline]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (
            _("The national list"),
            {
                "fields": [
                    "code",
                    "batch",
                    "seq",
                    "name",
                    "scenario",
                    "lead_department",
                    "lead_department_note",
                    "deadline",
                    "scope_note",
                ]
            },
        ),
        (
            _("Standard elements (四级四同)"),
            {"fields": ["standard_code", "legal_basis", "item_type", "handling_level", "prerequisites"]},
        ),
        (
            _("How it is handled"),
            {
                "fields": [
                    "audience",
                    "channel",
                    ("supports_online", "supports_proxy", "supports_joint"),
                    "in_person",
                    "where_to_go",
                    ("statutory_days", "promised_days"),
                    "time_limit_note",
                    "fees",
                    "conditions",
                    "result_name",
                    ("delivery_window", "delivery_post", "delivery_online"),
                ]
            },
        ),
        (_("Publication"), {"fields": ["status", "created_at", "updated_at"]}),
    ]

    class Media:
        css = {"all": ["admin-overrides/catalogue.css"]}

    @admin.display(description=_("modes"))
    def modes_display(self, item):
        return "、".join(
            str(ServiceItem._meta.get_field(MODE_FIELDS[mode]).verbose_name) for mode in item.modes
        )

    def history_view(self, request, object_id, extra_context=None):
        extra_context = (extra_context or {}) | {"related_changes": related_changes(object_id)}
        return super().history_view(request, object_id, extra_context=extra_context)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "full_name", "sort_order"]
    search_fields = ["code", "name", "full_name"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "valid_until", "dataset"]
    list_filter = ["level", "valid_until"]
    search_fields = ["code", "name"]
    list_select_related = ["parent", "dataset"]
    raw_id_fields = ["parent"]


@admin.register(RegionDataset)
class RegionDatasetAdmin(admin.ModelAdmin):
    list_display = ["source", "data_date", "retrieved", "loaded_at"]
    readonly_fields = ["source", "source_url", "data_date", "licence", "retrieved", "loaded_at"]


# --- Search synonyms (catalogue/search.py) ----------------------------------------------------
# Imported here, beside the only admin that needs them (move up when the file is next tidied).


@admin.register(SearchSynonym)
class SearchSynonymAdmin(ReadableHistoryAdmin):
    list_display = ["term", "expansions", "note", "updated_at"]
    search_fields = ["term", "expansions", "note"]
    readonly_fields = ["updated_at", "finds"]
    fields = ["term", "expansions", "note", "finds", "updated_at"]
    history_list_display = ["expansions"]
    formfield_overrides = {TextField: {"widget": forms.Textarea(attrs={"rows": 3, "cols": 60})}}

    @admin.display(description=_("a search for the term finds"))
    def finds(self, synonym):
        if not synonym.pk:
            return _("Save to see what a search for the term finds.")
        ranked = (search.rank(synonym.term) or [])[:5]
        if not ranked:
            return _("No item.")
        found = ServiceItem.objects.filter(pk__in=[pk for pk, _score in ranked])
        names = dict(found.values_list("pk", "name"))
        return format_html_join("", "<div>{}</div>", ((names[pk],) for pk, _score in ranked))


# --- Region guides (实施清单) and 跨省通办 windows ----------------------------------------------
# A region guide carries only what a region sets; its change page shows the national item's
# standard elements read-only beside it, so an admin sees what a region cannot change.


# Guide texts and window addresses run long: wide one-line boxes, short text areas.
WIDE_TEXT = {
    models.CharField: {"widget": forms.TextInput(attrs={"class": "vLargeTextField"})},
    models.TextField: {"widget": Textarea(attrs={"rows": 3, "class": "vLargeTextField"})},
}


class ReadableGuideHistory(ReadableHistory):
    """As the items' history reads; the windows (a many-to-many field) by their names."""

    def prepare_delta_change_value(self, change, value):
        if change.field == "windows":
            names = [str(row["servicewindow"]) for row in value or ()]
            return "、".join(names) if names else gettext("(empty)")
        return super().prepare_delta_change_value(change, value)


def guide_material_changes(guide_id, limit: int = 50) -> list[RelatedChange]:
    """The latest changes of a region guide's materials, newest first."""
    records = RegionMaterial.history.filter(guide_id=guide_id).select_related("history_user")[:limit]
    return [RelatedChange(r, str(_("Material: %(name)s") % {"name": r.name})) for r in records]


class RegionMaterialInline(MaterialInline):
    """The item's materials inline (same columns and note box), for a region guide."""

    model = RegionMaterial


class RegionGuideForm(forms.ModelForm):
    class Meta:
        model = RegionGuide
        fields = [
            "item",
            "region",
            "conditions",
            "fees",
            "promised_days",
            "delivery_note",
            "handling_offices",
            "windows",
            "contact",
            "source",
            "status",
            "is_demo",
        ]

    def clean(self):
        data = super().clean()
        region = data.get("region") or (self.instance.region if self.instance.region_id else None)
        if region is not None and data.get("windows"):
            outside = RegionGuide(region=region).windows_outside(data["windows"])
            if outside:
                self.add_error(
                    "windows",
                    _("Not in %(region)s: %(windows)s.")
                    % {"region": region.name, "windows": "、".join(w.name for w in outside)},
                )
        return data


@admin.register(RegionGuide)
class RegionGuideAdmin(OwnRowsHistoryMixin, SpreadsheetAdminMixin, ReadableHistoryAdmin):
    history_helper = ReadableGuideHistory
    form = RegionGuideForm
    resource_classes = [RegionGuideResource]
    import_formats = export_formats = [RegionGuideWorkbook, SpreadsheetCSV]
    file_stem = GUIDES_SHEET
    file_stem_ascii = "kuasheng-region-guides"
    object_history_template = "admin/catalogue/serviceitem/object_history.html"  # the item's, retitled
    object_history_list_template = "admin/catalogue/object_history_list.html"

    # `code` and `updated`: the item list's column classes, so catalogue.css keeps them on one line.
    list_display = ["code", "item_name", "region", "status", "promised_days", "is_demo", "updated"]
    list_filter = ["status", "is_demo", "region__level"]
    search_fields = ["item__code", "item__name", "region__code", "region__name"]
    list_select_related = ["item", "region"]
    autocomplete_fields = ["item", "region", "windows"]
    inlines = [RegionMaterialInline]
    fieldsets = [
        (_("Item and region"), {"fields": ["item", "region"]}),
        (
            _(
                "Standard elements of the national item (四级四同): the same in every region, not "
                "editable here"
            ),
            {"fields": ["standard_elements"]},
        ),
        (
            _("The region's guide"),
            {
                "fields": [
                    "conditions",
                    "fees",
                    "promised_days",
                    "delivery_note",
                    "handling_offices",
                    "windows",
                    "contact",
                    "source",
                ],
                "description": _(
                    "Left empty, a text is the national guide's. The materials below replace the national "
                    "list when there is at least one."
                ),
            },
        ),
        (_("Publication"), {"fields": ["status", "is_demo", "created_at", "updated_at"]}),
    ]

    class Media:
        css = {"all": ["admin-overrides/catalogue.css"]}

    def get_readonly_fields(self, request, obj=None):
        fixed = ["standard_elements", "created_at", "updated_at"]
        return fixed + ["item", "region"] if obj is not None else fixed

    @admin.display(description=_("item code"), ordering="item__code")
    def code(self, guide):
        return guide.item.code

    formfield_overrides = WIDE_TEXT

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "windows":  # window names are long: the box as wide as the text boxes
            getattr(field.widget, "widget", field.widget).attrs["data-width"] = "42em"
        return field

    @admin.display(description=_("item name"), ordering="item__name")
    def item_name(self, guide):
        return guide.item.name

    @admin.display(description=_("national item"))
    def standard_elements(self, guide):
        if guide is None or not guide.item_id:
            return _("Shown once the guide is saved with its item.")
        item = guide.item
        names = ["code", "standard_code", "legal_basis", "item_type", "handling_level", "statutory_days"]
        rows = [
            (
                ServiceItem._meta.get_field(name).verbose_name,
                readable_value(ServiceItem._meta.get_field(name), getattr(item, name)),
            )
            for name in names
        ]
        link = reverse("admin:catalogue_serviceitem_change", args=[item.pk])
        return format_html(
            '<dl class="standard-elements">{}</dl><p><a href="{}">{}</a></p>',
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows),
            link,
            _("Change them on the item (for every region)"),
        )

    def history_view(self, request, object_id, extra_context=None):
        extra_context = (extra_context or {}) | {
            "related_changes": guide_material_changes(object_id),
            "related_title": _("Materials of the region guide"),
        }
        return super().history_view(request, object_id, extra_context=extra_context)


@admin.register(ServiceWindow)
class ServiceWindowAdmin(SpreadsheetAdminMixin, ReadableHistoryAdmin):
    resource_classes = [ServiceWindowResource]
    import_formats = export_formats = [WindowWorkbook, SpreadsheetCSV]
    file_stem = WINDOWS_SHEET
    file_stem_ascii = "kuasheng-windows"
    object_history_list_template = "admin/catalogue/object_history_list.html"

    list_display = ["name", "region", "phone", "office", "is_demo", "updated"]
    list_filter = ["is_demo", "region__level"]
    search_fields = ["name", "address", "region__name", "region__code"]
    list_select_related = ["region", "office"]
    autocomplete_fields = ["region"]
    readonly_fields = ["updated_at"]
    fields = ["name", "region", "address", "hours", "phone", "office", "is_demo", "updated_at"]
    formfield_overrides = WIDE_TEXT
