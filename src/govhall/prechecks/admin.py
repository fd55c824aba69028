"""Prechecks in the back office, read-only: they change only through the services, and the
one notice is never edited."""

from django.contrib import admin

from govhall.prechecks.models import Finding, PrecheckRequest


class FindingInline(admin.TabularInline):
    model = Finding
    fields = ("order", "kind", "case_number", "target", "problem", "needed")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PrecheckRequest)
class PrecheckRequestAdmin(admin.ModelAdmin):
    list_display = ("number", "subject", "hall", "department", "status", "outcome", "due_date", "created_at")
    list_filter = ("status", "outcome", "channel")
    search_fields = ("number", "subject")
    inlines = [FindingInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
