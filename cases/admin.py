from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import handoffs
from .models import Case, CaseEvent, HandoffMessage, Holiday, Leg, Office, StaffProfile


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "region", "department", "is_demo"]
    list_filter = ["kind", "is_demo", "department"]
    search_fields = ["code", "name"]
    raw_id_fields = ["region"]
    list_select_related = ["region", "department"]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "office", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "office__name"]
    raw_id_fields = ["user", "office"]


class EventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = [
        "created_at",
        "action",
        "from_status",
        "to_status",
        "actor_name",
        "office_name",
        "region_name",
        "note",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class LegInline(admin.TabularInline):
    model = Leg
    extra = 0
    can_delete = False
    fields = ["position", "office", "status", "depends_on", "required", "sign_due", "opinion"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change through their workflow actions only (the API and the pages)."""

    list_display = ["number", "item", "mode", "status", "receiving_office", "handling_office", "promised_due"]
    list_filter = ["mode", "status"]
    search_fields = ["number"]
    list_select_related = ["item", "receiving_office", "handling_office"]
    inlines = [LegInline, EventInline]
    exclude = ["applicant"]  # personal data stays out of the admin

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.action(description=_("Resend the selected failed messages"))
def resend_failed(modeladmin, request, queryset):
    count = 0
    for message in queryset.filter(status=HandoffMessage.Status.FAILED):
        handoffs.resend(message.pk, actor=request.user)
        count += 1
    modeladmin.message_user(request, _("%(n)d message(s) queued again.") % {"n": count}, messages.SUCCESS)


@admin.register(HandoffMessage)
class HandoffMessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "case",
        "from_office",
        "to_office",
        "status",
        "attempts",
        "delivered_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["case__number"]
    list_select_related = ["case", "from_office", "to_office"]
    actions = [resend_failed]
    readonly_fields = [f.name for f in HandoffMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_workday"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
