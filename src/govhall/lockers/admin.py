"""The back office of the lockers: sites are configuration (edited here); cabinets are made
with their cells and secret by ``services.cabinet_create`` (the secret is shown once, and
again only by rotating it); cells and parcels are read-only: their states change only
through the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from govhall.lockers import services
from govhall.lockers.models import Cabinet, Cell, LockerSite, Parcel


@admin.register(LockerSite)
class LockerSiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "hall", "region", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name", "address"]
    autocomplete_fields = ["region"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []  # stations refer to a site by its code


class CabinetForm(forms.ModelForm):
    small = forms.IntegerField(label="小格数量", min_value=0, max_value=200, initial=12, required=False)
    medium = forms.IntegerField(label="中格数量", min_value=0, max_value=200, initial=6, required=False)
    large = forms.IntegerField(label="大格数量", min_value=0, max_value=200, initial=2, required=False)

    class Meta:
        model = Cabinet
        fields = ["site", "code", "name", "active"]


@admin.register(Cabinet)
class CabinetAdmin(admin.ModelAdmin):
    form = CabinetForm
    list_display = ["code", "name", "site", "last_seen_at", "secret_rotated_at", "active"]
    search_fields = ["code", "name", "site__name"]
    readonly_fields = ["secret_rotated_at", "last_seen_at"]
    actions = ["rotate_secret"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["site", "code", "name", "active", "small", "medium", "large"]
        return ["site", "code", "name", "active", "secret_rotated_at", "last_seen_at"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "site", "code"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        cabinet, secret = services.cabinet_create(
            site=data["site"],
            code=data["code"],
            name=data["name"],
            layout={"S": data.get("small") or 0, "M": data.get("medium") or 0, "L": data.get("large") or 0},
        )
        obj.pk, obj.secret_salt, obj.secret_rotated_at = cabinet.pk, cabinet.secret_salt, cabinet.secret_rotated_at
        obj._state.adding = False
        messages.warning(request, f"{cabinet.code} 的柜机密钥（只显示这一次，请写入柜机配置）：{secret}")

    @admin.action(description="轮换所选柜机的密钥（旧密钥立即失效）")
    def rotate_secret(self, request, queryset):
        for cabinet in queryset:
            secret = services.cabinet_rotate_secret(cabinet=cabinet)
            messages.warning(request, f"{cabinet.code} 的新密钥（只显示这一次）：{secret}")


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Cell)
class CellAdmin(ReadOnly):
    list_display = ["cabinet", "door", "size", "state", "changed_at", "fault"]
    list_filter = ["state", "size", "cabinet__site"]


@admin.register(Parcel)
class ParcelAdmin(ReadOnly):
    list_display = ["id", "kind", "status", "case", "site", "cell", "created_at", "ended_at"]
    list_filter = ["kind", "status", "site"]
    exclude = ["code_hash"]
