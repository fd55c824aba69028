"""Catalogue administration (Django admin, in Chinese).

Published versions are read-only: "创建新版本" starts a draft copy, editing happens on
the draft and "发布" makes it the live version (services.item_publish). Spreadsheet
import and export sit on the item list page.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone

from govhall.audit import services as audit
from govhall.audit.models import Kind as AuditKind
from govhall.catalog import services, xlsx
from govhall.catalog.models import (
    Bundle,
    BundleField,
    BundleMaterial,
    BundleMember,
    BundleOption,
    BundleSituation,
    Department,
    LifeEvent,
    MaterialRequirement,
    Region,
    ServiceItem,
    Situation,
    SituationOption,
    Topic,
)
from govhall.core.errors import DomainError


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    autocomplete_fields = ["parent"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "phone", "order")
    list_filter = ("region",)
    search_fields = ("code", "name")


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "audience", "order")
    list_filter = ("audience",)


class DraftOnlyMixin:
    """Inline and child objects are editable only while their item version is a draft."""

    def _draft(self, obj) -> bool:
        return obj is None or obj.is_editable

    def has_add_permission(self, request, obj=None):
        return self._draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._draft(obj) and super().has_delete_permission(request, obj)


class MaterialInline(DraftOnlyMixin, admin.TabularInline):
    model = MaterialRequirement
    extra = 0
    fields = ("order", *services.MATERIAL_FIELDS, "template", "example")


class SituationInline(DraftOnlyMixin, admin.TabularInline):
    model = Situation
    extra = 0
    fields = ("order", "question", "help_text")
    show_change_link = True


class ImportForm(forms.Form):
    file = forms.FileField(label="事项表格（.xlsx）")


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "version",
        "status",
        "department",
        "kind",
        "is_instant",
        "online_depth",
        "deferral_allowed",
        "commitment_allowed",
    )
    list_filter = (
        "status",
        "department",
        "kind",
        "is_instant",
        "online_depth",
        "deferral_allowed",
        "commitment_allowed",
        "applicant_type",
    )
    search_fields = ("code", "base_code", "name", "aliases")
    readonly_fields = ("status", "version", "published_at", "created_at")
    filter_horizontal = ("topics",)
    inlines = [MaterialInline, SituationInline]
    actions = ["revise", "publish", "retire"]
    change_list_template = "admin/catalog/serviceitem/change_list.html"
    fieldsets = (
        (
            "基本信息",
            {
                "fields": (
                    "code",
                    "base_code",
                    "version",
                    "status",
                    "published_at",
                    "name",
                    "aliases",
                    "kind",
                    "department",
                    "region_level",
                    "topics",
                    "applicant_type",
                )
            },
        ),
        ("依据与条件", {"fields": ("legal_basis", "conditions", "review_points")}),
        (
            "时限与跑动",
            {
                "fields": (
                    "statutory_days",
                    "promised_days",
                    "extension_days",
                    "is_instant",
                    "green_channel",
                    "green_days",
                    "max_visits",
                    "online_depth",
                    "channels",
                    "nearby",
                )
            },
        ),
        ("收费", {"fields": ("is_free", "fee_description", "fee_basis")}),
        ("结果与送达", {"fields": ("result_type", "result_name", "licence_type_code", "delivery_modes", "steps")}),
        (
            "地点与咨询",
            {"fields": ("hall_location", "window", "service_hours", "enquiry_phone", "complaint_phone")},
        ),
        ("改革举措", {"fields": ("deferral_allowed", "deferral_days", "commitment_allowed")}),
    )

    def has_change_permission(self, request, obj=None):
        # published and superseded versions are history: revise instead of editing
        if obj is not None and not obj.is_editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description="创建新版本（修订所选已发布事项）", permissions=["add"])
    def revise(self, request, queryset):
        for item in queryset.filter(status=ServiceItem.Status.PUBLISHED):
            draft = services.item_revise(item=item)
            self.message_user(request, f"已创建草稿：{draft}")

    @admin.action(description="发布所选草稿", permissions=["change"])
    def publish(self, request, queryset):
        for item in queryset.filter(status=ServiceItem.Status.DRAFT):
            try:
                services.item_publish(item=item)
                self.message_user(request, f"已发布：{item}")
            except ValidationError as exc:
                self.message_user(request, f"{item} 未发布：{'；'.join(exc.messages)}", level=messages.ERROR)

    @admin.action(description="停用所选事项", permissions=["change"])
    def retire(self, request, queryset):
        for item in queryset.filter(status=ServiceItem.Status.PUBLISHED):
            services.item_retire(item=item)
            self.message_user(request, f"已停用：{item}")

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="catalog_serviceitem_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="catalog_serviceitem_export"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            return HttpResponse("无权导入事项", status=403)
        form = ImportForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            try:
                result = xlsx.import_workbook(form.cleaned_data["file"].read())
            except xlsx.XlsxImportError as exc:
                errors = exc.errors
            else:
                self.message_user(
                    request,
                    f"导入完成：新增{len(result.created)}项，修订{len(result.revised)}项，未变化{len(result.unchanged)}项"
                    + (
                        f"；一件事新增{len(result.bundles.created)}件，修订{len(result.bundles.revised)}件，"
                        f"未变化{len(result.bundles.unchanged)}件"
                        if getattr(result, "bundles", None)
                        and (result.bundles.created or result.bundles.revised or result.bundles.unchanged)
                        else ""
                    ),
                )
                return redirect(reverse("admin:catalog_serviceitem_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "errors": errors,
            "title": "从表格导入事项",
            "opts": self.model._meta,
        }
        return render(request, "admin/catalog/serviceitem/import.html", context, status=400 if errors else 200)

    def export_view(self, request):
        if not self.has_view_permission(request):
            return HttpResponse("无权导出事项", status=403)
        content = xlsx.export_published()
        audit.record(kind=AuditKind.EXPORTED, request=request, data={"what": "catalog", "bytes": len(content)})
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="govhall-catalog-{stamp}.xlsx"'
        return response


class SituationOptionInline(DraftOnlyMixin, admin.TabularInline):
    model = SituationOption
    extra = 0
    filter_horizontal = ("adds", "removes")

    def _draft(self, obj):
        return obj is None or obj.item.is_editable

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # only the same item version's materials can be added or removed
        situation_id = request.resolver_match.kwargs.get("object_id")
        if situation_id and db_field.name in ("adds", "removes"):
            kwargs["queryset"] = MaterialRequirement.objects.filter(item__situations=situation_id)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Situation)
class SituationAdmin(admin.ModelAdmin):
    list_display = ("question", "item")
    search_fields = ("question", "item__name", "item__code")
    inlines = [SituationOptionInline]
    readonly_fields = ("item",)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.item.is_editable:
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False  # situations are added from their item's page


# ---------------------------------------------------------------- bundles (一件事)


class BundleDraftOnlyMixin(DraftOnlyMixin):
    """A bundle's members, situations, shared fields and materials change only on a draft."""

    def _draft(self, obj) -> bool:
        bundle = obj if isinstance(obj, Bundle) else getattr(obj, "bundle", None)
        return bundle is None or bundle.editable


class BundleMemberInline(BundleDraftOnlyMixin, admin.TabularInline):
    model = BundleMember
    extra = 0
    fields = ("order", "item_code", "required", "note")


class BundleSituationInline(BundleDraftOnlyMixin, admin.TabularInline):
    model = BundleSituation
    extra = 0
    fields = ("order", "question", "help_text")
    show_change_link = True


class BundleFieldInline(BundleDraftOnlyMixin, admin.TabularInline):
    model = BundleField
    extra = 0
    fields = ("order", "name", "targets")


class BundleMaterialInline(BundleDraftOnlyMixin, admin.TabularInline):
    model = BundleMaterial
    extra = 0
    fields = ("order", "name", "targets")


@admin.register(Bundle)
class BundleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "version", "status", "life_stage", "applicant_type", "published_at")
    list_filter = ("status", "life_stage", "applicant_type")
    search_fields = ("code", "name", "aliases")
    readonly_fields = ("status", "version", "published_at", "created_at")
    inlines = [BundleMemberInline, BundleSituationInline, BundleFieldInline, BundleMaterialInline]
    actions = ["revise", "publish", "retire"]
    fieldsets = (
        (
            "基本信息",
            {
                "fields": (
                    "code",
                    "version",
                    "status",
                    "published_at",
                    "name",
                    "aliases",
                    "applicant_type",
                    "life_stage",
                )
            },
        ),
        ("一次告知", {"fields": ("description", "guide", "window", "hall_location", "enquiry_phone")}),
    )

    def has_change_permission(self, request, obj=None):
        # published and superseded versions are history: 创建新版本 instead of editing
        if obj is not None and not obj.editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not obj.editable:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:  # a new code starts at version 1, a new draft of an old code after its last
            obj.version = services._next_bundle_version(obj.code)
        super().save_model(request, obj, form, change)

    @admin.action(description="创建新版本（修订所选已发布一件事）", permissions=["add"])
    def revise(self, request, queryset):
        for bundle in queryset.filter(status=Bundle.Status.PUBLISHED):
            draft = services.bundle_revise(bundle=bundle)
            self.message_user(request, f"已创建草稿：{draft}")

    @admin.action(description="发布所选草稿", permissions=["change"])
    def publish(self, request, queryset):
        for bundle in queryset.filter(status=Bundle.Status.DRAFT):
            try:
                services.bundle_publish(bundle=bundle)
                self.message_user(request, f"已发布：{bundle}")
            except DomainError as exc:
                self.message_user(request, f"{bundle} 未发布：{exc.message}", level=messages.ERROR)

    @admin.action(description="停用所选一件事", permissions=["change"])
    def retire(self, request, queryset):
        for bundle in queryset.filter(status=Bundle.Status.PUBLISHED):
            services.bundle_retire(bundle=bundle)
            self.message_user(request, f"已停用：{bundle}")


class BundleOptionInline(BundleDraftOnlyMixin, admin.TabularInline):
    model = BundleOption
    extra = 0
    fields = ("order", "label", "includes", "excludes")
    filter_horizontal = ("includes", "excludes")

    def _draft(self, obj) -> bool:
        return obj is None or obj.bundle.editable

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # an answer brings in or leaves out only members of the same bundle version
        situation_id = request.resolver_match.kwargs.get("object_id")
        if db_field.name in ("includes", "excludes"):
            kwargs["queryset"] = (
                BundleMember.objects.filter(bundle__situations=situation_id)
                if situation_id
                else BundleMember.objects.none()
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(BundleSituation)
class BundleSituationAdmin(admin.ModelAdmin):
    list_display = ("question", "bundle")
    search_fields = ("question", "bundle__name", "bundle__code")
    inlines = [BundleOptionInline]
    readonly_fields = ("bundle",)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.bundle.editable:
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False  # situations are added from their bundle's page


@admin.register(LifeEvent)
class LifeEventAdmin(admin.ModelAdmin):
    list_display = ("name", "tree", "stage", "theme", "order", "bundle_code", "item_code", "place")
    list_filter = ("tree", "stage", "place")
    search_fields = ("name", "theme", "bundle_code", "item_code")
