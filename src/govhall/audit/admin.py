from django.contrib import admin
from django.core.exceptions import ObjectDoesNotExist

from govhall.audit.models import SecurityEvent


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """Read-only: the log is written by ``audit.services.record`` only, and no one edits
    or deletes it here (``verify_security_audit`` would show it anyway)."""

    list_display = ("seq", "created_at", "kind", "actor_shown", "subject_shown", "address")
    list_filter = ("kind", "created_at")
    search_fields = (
        "subject",
        "address",
        "=actor__id",
        "=subject_user__id",
        "actor__username",
        "subject_user__username",
    )
    date_hierarchy = "created_at"
    list_select_related = ("actor", "subject_user")
    fields = ("seq", "created_at", "kind", "actor_shown", "subject_shown", "address", "data", "prev_hash", "hash")
    readonly_fields = fields
    show_full_result_count = False  # a count of a long table on every page view

    @admin.display(description="操作人")
    def actor_shown(self, obj: SecurityEvent) -> str:
        return _user(obj, "actor")

    @admin.display(description="涉及对象")
    def subject_shown(self, obj: SecurityEvent) -> str:
        return _user(obj, "subject_user") if obj.subject_user_id else obj.subject

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _user(obj: SecurityEvent, field: str) -> str:
    pk = getattr(obj, f"{field}_id")
    if pk is None:
        return "—"
    try:
        user = getattr(obj, field)
    except ObjectDoesNotExist:  # deleted since: the id is what the event holds
        return f"#{pk}（已删除）"
    return f"{user} (#{pk})"
