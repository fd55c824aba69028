"""Cases in the admin: read-only. Every change goes through the workflow (pages or API),
so the admin never edits a case, its materials or its timeline."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from govhall.cases.models import Case, Deferral, Document, TimelineEvent


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DeferralInline(ReadOnlyInline):
    model = Deferral
    fields = ("requirement", "due_date", "due_provisional", "status", "received_at", "confirmed_at")
    readonly_fields = fields


class DocumentInline(ReadOnlyInline):
    model = Document
    fields = ("kind", "download", "sha256", "created_at")
    readonly_fields = fields

    @admin.display(description="文件")
    def download(self, obj):
        # Through the API's download, which checks who asks: stored files have no public URL.
        url = reverse("api-v1:case_document_file", args=[obj.case.number, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.file.name.rsplit("/", 1)[-1])


class EventInline(ReadOnlyInline):
    model = TimelineEvent
    fields = ("seq", "created_at", "action", "actor_name", "actor_role", "from_state", "to_state", "comment")
    readonly_fields = fields
    ordering = ("seq",)


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("number", "item", "applicant_masked", "state", "department", "due_date", "created_at")
    list_filter = ("state", "channel", "department")
    search_fields = ("number",)
    date_hierarchy = "created_at"
    inlines = [DeferralInline, DocumentInline, EventInline]
    list_select_related = ("item", "applicant", "department")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Case._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="申请人")
    def applicant_masked(self, obj):
        return obj.applicant.name if obj.applicant.kind == "legal" else obj.applicant.masked_code
