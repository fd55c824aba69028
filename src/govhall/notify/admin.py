from django.contrib import admin

from govhall.notify.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are written by notify.services and the delivery task.
    The SMS outbox of OutboxBackend is this list filtered by channel 短信. A one-time
    code shows masked in the text; its own column is never shown or searched."""

    list_display = ("created_at", "channel", "event", "recipient", "masked_phone", "case_number", "status", "attempts")
    list_filter = ("channel", "status", "event")
    search_fields = ("case_number", "event", "gateway_ref")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    exclude = ("secret",)
    fields = (
        "channel",
        "event",
        "recipient",
        "masked_phone",
        "case_number",
        "text",
        "status",
        "attempts",
        "gateway_ref",
        "error",
        "created_at",
        "sent_at",
        "secret_expires_at",
        "read_at",
    )
    readonly_fields = fields

    @admin.display(description="手机号码")
    def masked_phone(self, obj: Notification) -> str:
        return obj.masked_phone

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
