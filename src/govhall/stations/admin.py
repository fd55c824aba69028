"""Stations in the admin: a station's own settings (address, position, hours, items,
equipment, assistants) and where halls stand are edited here, checked by the models and by
``hours.Schedule``; requests and key projects are read-only (every change goes through the
services, from the pages or the API)."""

from django import forms
from django.contrib import admin

from govhall.accounts import scope
from govhall.accounts.roles import Role
from govhall.stations.hours import Schedule
from govhall.stations.models import (
    AssistCase,
    AssistEvent,
    AssistRequest,
    Equipment,
    HallLocation,
    KeyProject,
    ProjectCase,
    Station,
    StationAssistant,
    StationItem,
)


class HoursField(forms.CharField):
    """The weekly schedule as the admin writes it: one line per group of days
    (``1-5 09:00-12:00 13:30-17:30``; Monday is 1)."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 40})

    def prepare_value(self, value):
        if isinstance(value, list):
            try:
                return Schedule.from_json(value).source()
            except ValueError:
                return ""
        return value

    def to_python(self, value):
        text = super().to_python(value)
        try:
            return Schedule.parse(text).to_json()
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


class LocatedForm(forms.ModelForm):
    hours = HoursField(
        label="开放时间",
        help_text="每行一组：星期（1-7，周一为1）和时间段，如“1-5 09:00-12:00 13:30-17:30”；"
        "全天开放写“1-7 00:00-24:00”。",
    )


class StationItemInline(admin.TabularInline):
    model = StationItem
    extra = 1


class EquipmentInline(admin.TabularInline):
    model = Equipment
    extra = 0


class StationAssistantForm(forms.ModelForm):
    class Meta:
        model = StationAssistant
        fields = ["user", "is_active"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if scope.staff_role(user) != Role.ASSISTANT:
            raise forms.ValidationError("驿站人员应为帮办代办员（在用户的工作人员资料中设置角色）")
        return user


class StationAssistantInline(admin.TabularInline):
    model = StationAssistant
    form = StationAssistantForm
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    form = LocatedForm
    list_display = ("code", "name", "kind", "hall", "is_active")
    list_filter = ("kind", "is_active", "hall")
    search_fields = ("code", "name", "address")
    inlines = [StationItemInline, EquipmentInline, StationAssistantInline]


@admin.register(HallLocation)
class HallLocationAdmin(admin.ModelAdmin):
    form = LocatedForm
    list_display = ("hall", "latitude", "longitude", "closed_on_holidays")


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AssistEventInline(ReadOnlyInline):
    model = AssistEvent
    fields = ("seq", "action", "actor_name", "actor_role", "from_status", "to_status", "comment", "created_at")
    readonly_fields = fields


class AssistCaseInline(ReadOnlyInline):
    model = AssistCase
    fields = ("case", "linked_by", "linked_at")
    readonly_fields = fields


@admin.register(AssistRequest)
class AssistRequestAdmin(ReadOnly):
    list_display = ("number", "status", "mode", "channel", "station", "assistant", "created_at")
    list_filter = ("status", "mode", "channel", "station")
    search_fields = ("number",)
    inlines = [AssistEventInline, AssistCaseInline]
    exclude = ("contact_phone",)


class ProjectCaseInline(ReadOnlyInline):
    model = ProjectCase
    fields = ("case", "linked_by", "linked_at")
    readonly_fields = fields


@admin.register(KeyProject)
class KeyProjectAdmin(ReadOnly):
    list_display = ("code", "name", "company", "assistant", "status")
    list_filter = ("status",)
    search_fields = ("code", "name")
    inlines = [ProjectCaseInline]
