"""The back office shows bundle cases read-only: they change only through ``services`` (and
their members only through the cases' services)."""

from __future__ import annotations

from django.contrib import admin

from govhall.bundles.models import BundleCase, BundleCaseMember, BundleNotice


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MemberInline(admin.TabularInline):
    model = BundleCaseMember
    fields = ["order", "item_code", "case", "held", "held_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class NoticeInline(admin.TabularInline):
    model = BundleNotice
    fields = ["created_at", "kind", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BundleCase)
class BundleCaseAdmin(ReadOnly):
    list_display = ["number", "bundle", "applicant", "status", "delivery", "created_at"]
    list_filter = ["status", "delivery"]
    search_fields = ["number"]
    inlines = [MemberInline, NoticeInline]
