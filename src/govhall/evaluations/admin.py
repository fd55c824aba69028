"""The back office shows the evaluation system read-only: evaluations are never edited nor
deleted, tasks move only through ``services`` (the pages and the API), devices are paired on
the hall manager's page (their secret is shown once there)."""

from __future__ import annotations

from django.contrib import admin

from govhall.evaluations.models import (
    CallbackRecord,
    CallbackTask,
    Evaluation,
    EvaluatorDevice,
    FollowUp,
    Rectification,
    ReportRecord,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnly):
    list_display = ["id", "subject", "department", "item", "level", "channel", "created_at"]
    list_filter = ["subject", "level", "channel", "department"]
    # the applicant and the evaluator are personal data: shown by id only
    exclude = ["applicant", "evaluator"]
    date_hierarchy = "created_at"


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnly):
    list_display = ["evaluation", "created_at"]
    exclude = ["created_by"]


class CallbackInline(admin.TabularInline):
    model = CallbackRecord
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RectificationInline(CallbackInline):
    model = Rectification


@admin.register(CallbackTask)
class CallbackTaskAdmin(ReadOnly):
    list_display = ["id", "department", "state", "callback_due", "rectification_due", "applicant_response"]
    list_filter = ["state", "department"]
    inlines = [CallbackInline, RectificationInline]


@admin.register(EvaluatorDevice)
class EvaluatorDeviceAdmin(ReadOnly):
    list_display = ["window", "name", "created_at", "revoked_at", "last_seen_at"]
    exclude = ["secret_hash"]


@admin.register(ReportRecord)
class ReportRecordAdmin(ReadOnly):
    list_display = ["evaluation", "provider", "status", "sent_at", "payload_sha256"]
    list_filter = ["status", "provider"]
