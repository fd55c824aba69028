"""Answers of the construction API and data of its pages, shaped once."""

from __future__ import annotations

from typing import Any

from govhall.construction import selectors
from govhall.construction.models import ConstructionProject, InspectionPlan, SiteInspection


def inspection_out(found: SiteInspection | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "inspected_on": found.inspected_on,
        "departments": [d.name for d in found.departments.all()],
        "findings": found.findings,
        "passed": found.passed,
        "attachment": found.attachment_name or None,
        "recorded_by": found.recorded_by.display_name or found.recorded_by.username,
        "recorded_at": found.recorded_at,
    }


def plan_out(found: InspectionPlan | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "starts_at": found.starts_at,
        "place": found.place,
        "departments": [d.name for d in found.departments.all()],
        "department_codes": [d.code for d in found.departments.all()],
        "note": found.note,
        "times": found.times,
        "scheduled_at": found.scheduled_at,
    }


def stage_out(view: selectors.StageView) -> dict[str, Any]:
    row = view.row
    return {
        "stage": view.stage,
        "name": view.label,
        "status": view.status,
        "status_label": view.status_label,
        "bundle_code": view.definition.bundle_code if view.definition else None,
        "inspection_required": bool(view.definition and view.definition.inspection_required),
        "awaiting_inspection": view.awaiting_inspection,
        "bundle_case": row.bundle_case.number if row and row.bundle_case_id else None,
        "bundle_status": row.bundle_case.status if row and row.bundle_case_id else None,
        "bundle_status_label": row.bundle_case.get_status_display() if row and row.bundle_case_id else None,
        "filed_at": row.filed_at if row else None,
        "due_date": view.due_date,
        "limit_workdays": view.limit_workdays,
        "members": [{k: v for k, v in m.items() if k != "department_id"} for m in view.members],
        "inspection_plan": plan_out(view.plan),
        "inspection": inspection_out(view.inspection),
        "result": (
            {"at": row.result_at, "note": row.result_note, "items": row.results} if row and row.result_at else None
        ),
        "history": row.history if row else [],
    }


def project_out(project: ConstructionProject, user, views: list[selectors.StageView] | None = None) -> dict[str, Any]:
    views = views if views is not None else selectors.project_stages(project, user)
    current = max((v for v in views if v.row is not None), key=lambda v: v.stage, default=None)
    return {
        "code": project.code,
        "name": project.name,
        "builder": project.builder.name,
        "hall": project.hall.name,
        "key_project": project.key_project.code if project.key_project_id else None,
        "location": project.location,
        "investment": float(project.investment) if project.investment is not None else None,
        "description": project.description,
        "created_at": project.created_at,
        "current_stage": current.stage if current else None,
        "stages": [stage_out(v) for v in views],
    }


def summary_out(project: ConstructionProject) -> dict[str, Any]:
    row = selectors.current_stage(project)
    return {
        "code": project.code,
        "name": project.name,
        "builder": project.builder.name,
        "current_stage": row.stage if row else None,
        "current_stage_name": row.get_stage_display() if row else "",
        "status": row.status if row else "",
        "status_label": row.get_status_display() if row else "",
        "created_at": project.created_at,
    }
