"""Supervision in the admin: the thresholds are edited here (one row); warnings, bulletins and
imports are read-only (the sweep, the board and the import page write them)."""

from django.contrib import admin

from govhall.supervision.models import Alert, Bulletin, ImportBatch, ImportedCase, Thresholds


@admin.register(Thresholds)
class ThresholdsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "yellow_share", "yellow_workdays", "red_workdays", "updated_at")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Thresholds.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnly):
    list_display = ("level", "subject", "case", "imported", "due_date", "department", "created_at", "notified_at")
    list_filter = ("level", "subject", "department")
    search_fields = ("case__number", "imported__external_number")
    raw_id_fields = ("case", "imported", "staff")


@admin.register(Bulletin)
class BulletinAdmin(ReadOnly):
    list_display = ("department", "overdue_count", "issued_by", "created_at")
    list_filter = ("department",)


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnly):
    list_display = ("file_name", "rows", "created", "updated", "uploaded_by", "created_at")


@admin.register(ImportedCase)
class ImportedCaseAdmin(ReadOnly):
    list_display = ("external_number", "department", "item", "state", "accepted_at", "due_date", "concluded_at")
    list_filter = ("state", "department")
    search_fields = ("external_number",)
