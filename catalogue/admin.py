from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from .models import Department, ItemCooperation, MaterialRequirement, Region, RegionDataset, ServiceItem
from .resources import ItemResource

admin.site.site_header = _("跨省通办 portal administration")
admin.site.site_title = _("跨省通办 admin")
admin.site.index_title = _("Catalogue and reference data")


class CooperationInline(admin.TabularInline):
    model = ItemCooperation
    extra = 0
    autocomplete_fields = ["department"]
    ordering = ["position"]


class MaterialInline(admin.TabularInline):
    model = MaterialRequirement
    extra = 0
    ordering = ["position"]


@admin.register(ServiceItem)
class ServiceItemAdmin(ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [ItemResource]
    list_display = ["code", "name", "lead_department", "audience", "modes_display", "status", "updated_at"]
    list_filter = [
        "batch",
        "status",
        "audience",
        "supports_online",
        "supports_proxy",
        "supports_joint",
        "lead_department",
    ]
    search_fields = ["code", "name", "scenario"]
    list_select_related = ["lead_department"]
    inlines = [CooperationInline, MaterialInline]
    readonly_fields = ["created_at", "updated_at"]
    history_list_display = ["status"]
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
                    ("supports_online", "supports_proxy", "supports_joint"),
                    ("statutory_days", "promised_days"),
                    "fees",
                    "conditions",
                    "result_name",
                    ("delivery_window", "delivery_post", "delivery_online"),
                ]
            },
        ),
        (_("Publication"), {"fields": ["status", "created_at", "updated_at"]}),
    ]

    @admin.display(description=_("modes"))
    def modes_display(self, item):
        return ", ".join(item.modes)


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
