from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import gettext_lazy as _

from . import handoffs, identity
from .models import (
    ApplicantProfile,
    Case,
    CaseEvent,
    HandoffMessage,
    Holiday,
    HolidayYear,
    Leg,
    Office,
    RevealRecord,
    StaffProfile,
)


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


@admin.register(ApplicantProfile)
class ApplicantProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "masked_name", "masked_id_number", "verified_at"]
    list_filter = ["kind"]
    search_fields = ["user__username"]
    raw_id_fields = ["user"]

    @admin.display(description=_("name"))
    def masked_name(self, profile):
        return identity.present_name(profile.name, reveal=False, kind=profile.kind)

    @admin.display(description=_("ID number"))
    def masked_id_number(self, profile):
        return identity.mask_id(profile.id_number)


@admin.register(RevealRecord)
class RevealRecordAdmin(admin.ModelAdmin):
    """The audit of reveals: read-only, never deleted from here."""

    list_display = ["created_at", "case_number", "username", "role", "office_name", "what"]
    list_filter = ["role"]
    search_fields = ["case_number", "username"]
    readonly_fields = [f.name for f in RevealRecord._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


def _year_is_complete():
    return Exists(HolidayYear.objects.filter(year=ExtractYear(OuterRef("date")), complete=True))


class YearCompleteFilter(admin.SimpleListFilter):
    title = HolidayYear._meta.get_field("complete").verbose_name
    parameter_name = "year_complete"

    def lookups(self, request, model_admin):
        return [("1", _("Yes")), ("0", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(year_complete=self.value() == "1")
        return queryset


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """Entered days, each showing whether its year is marked complete (then only rows and weekends count)."""

    list_display = ["date", "name", "is_workday", "year_complete"]
    list_filter = ["is_workday", YearCompleteFilter]
    date_hierarchy = "date"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(year_complete=_year_is_complete())

    @admin.display(description=HolidayYear._meta.get_field("complete").verbose_name, boolean=True)
    def year_complete(self, holiday):
        return holiday.year_complete


class HolidayYearForm(forms.ModelForm):
    class Meta:
        model = HolidayYear
        fields = ["year", "complete", "source"]

    def clean(self):
        data = super().clean()
        year = data.get("year")
        if data.get("complete") and year and not Holiday.objects.filter(date__year=year).exists():
            # Complete with no rows would count every weekday of the year, Spring Festival included.
            raise forms.ValidationError(_("Enter the year's holidays and make-up workdays first."))
        return data


def _days_of_year():
    """How many `Holiday` rows the year of each `HolidayYear` has (a subquery, not a query per row)."""
    rows = Holiday.objects.filter(date__year=OuterRef("year")).order_by().values("date__year")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)


@admin.action(description=_("Mark the schedule complete"))
def mark_complete(modeladmin, request, queryset):
    entered = Exists(Holiday.objects.filter(date__year=OuterRef("year")))
    done = queryset.filter(entered, complete=False).update(complete=True)
    skipped = queryset.exclude(entered).count()
    modeladmin.message_user(request, _("%(count)d year(s) marked complete.") % {"count": done})
    if skipped:
        modeladmin.message_user(
            request,
            _("%(count)d year(s) have no holidays entered and were left as they are.") % {"count": skipped},
            messages.WARNING,
        )


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    """A complete year counts working days from its `Holiday` rows and weekends alone, with no estimate."""

    form = HolidayYearForm
    list_display = ["year", "complete", "source", "days_entered"]
    list_filter = ["complete"]
    actions = [mark_complete]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(days_entered=_days_of_year())

    @admin.display(description=Holiday._meta.verbose_name_plural, ordering="days_entered")
    def days_entered(self, schedule):
        return schedule.days_entered
