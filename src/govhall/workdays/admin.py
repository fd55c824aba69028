"""Calendar administration (Django admin, in Chinese). Writes go through services, so the
cases app hears of every change (see signals.py)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone

from govhall.workdays import selectors, services
from govhall.workdays.forms import YearArrangementForm
from govhall.workdays.models import CalendarOverride, YearArrangement

_WEEKDAYS = "一二三四五六日"


class _WarnUnknownYearsMixin:
    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            for warning in selectors.calendar_warnings(today=timezone.localdate()):
                messages.warning(request, warning)
        return super().changelist_view(request, extra_context)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(_WarnUnknownYearsMixin, admin.ModelAdmin):
    list_display = ("date", "weekday", "is_workday", "name", "note", "updated_at")
    list_filter = ("is_workday",)
    date_hierarchy = "date"
    search_fields = ("name", "note")
    fields = ("date", "is_workday", "name", "note")

    @admin.display(description="星期")
    def weekday(self, obj: CalendarOverride) -> str:
        return f"星期{_WEEKDAYS[obj.date.weekday()]}"

    def get_readonly_fields(self, request, obj=None):
        # The date is the key: moving an entry is clearing one day and setting another.
        return ("date",) if obj else ()

    def save_model(self, request, obj, form, change):
        saved = services.override_set(date=obj.date, is_workday=obj.is_workday, name=obj.name, note=obj.note)
        obj.pk, obj.updated_at = saved.pk, saved.updated_at

    def delete_model(self, request, obj):
        services.override_delete(date=obj.date)

    def delete_queryset(self, request, queryset):
        for date in queryset.values_list("date", flat=True):
            services.override_delete(date=date)


@admin.register(YearArrangement)
class YearArrangementAdmin(_WarnUnknownYearsMixin, admin.ModelAdmin):
    form = YearArrangementForm
    list_display = ("year", "entered_at", "note")
    fields = ("year", "holidays_text", "workdays_text", "note")

    def get_readonly_fields(self, request, obj=None):
        return ("year",) if obj else ()

    def has_delete_permission(self, request, obj=None):
        # Re-enter a year to correct it; deleting would silently make its deadlines provisional.
        return False

    def get_changeform_initial_data(self, request):
        return {"year": timezone.localdate().year + 1}

    def save_model(self, request, obj, form, change):
        saved = services.arrangement_enter(
            year=obj.year,
            holidays=form.cleaned_data["holidays"],
            workdays=form.cleaned_data["workdays"],
            note=obj.note,
        )
        obj.pk, obj.entered_at = saved.pk, saved.entered_at
