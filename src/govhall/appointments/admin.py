"""预约排班 in the back office: a schedule per hall window group (or per item) with its weekday
hours inline. Appointments are read-only here: they change through the services."""

from django.contrib import admin

from govhall.appointments.models import Appointment, Schedule, ScheduleDay
from govhall.core.masking import mask_phone


class ScheduleDayInline(admin.TabularInline):
    model = ScheduleDay
    extra = 0


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "slot_minutes", "capacity", "online_capacity", "book_ahead_days", "active"]
    list_filter = ["hall", "active"]
    inlines = [ScheduleDayInline]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["date", "slot_start", "hall", "window_group", "item", "status", "channel", "masked_phone"]
    list_filter = ["status", "channel", "hall", "date"]
    date_hierarchy = "date"
    exclude = ["code", "phone"]

    @admin.display(description="通知手机")
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
