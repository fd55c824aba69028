"""The back office: stage configuration is edited here (which catalogue bundle each stage
files, whether it needs a joint site inspection); projects, stages, inspection arrangements and
inspections are read-only (they change through the services: filing, member decisions,
arrangements, inspections)."""

from django.contrib import admin

from govhall.construction.models import (
    ConstructionProject,
    InspectionPlan,
    ProjectStage,
    SiteInspection,
    StageDefinition,
)


@admin.register(StageDefinition)
class StageDefinitionAdmin(admin.ModelAdmin):
    list_display = ("stage", "bundle_code", "inspection_required")
    ordering = ("stage",)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StageInline(admin.TabularInline):
    model = ProjectStage
    fields = ("stage", "status", "bundle_case", "result_at", "result_note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ConstructionProject)
class ConstructionProjectAdmin(ReadOnly):
    list_display = ("code", "name", "builder", "hall", "key_project", "created_at")
    search_fields = ("code", "name", "builder__name")
    inlines = [StageInline]


@admin.register(SiteInspection)
class SiteInspectionAdmin(ReadOnly):
    list_display = ("stage", "inspected_on", "passed", "recorded_by", "recorded_at")


@admin.register(InspectionPlan)
class InspectionPlanAdmin(ReadOnly):
    list_display = ("stage", "starts_at", "place", "times", "scheduled_by", "scheduled_at")
