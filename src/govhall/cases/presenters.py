"""The answers of the cases API (and the data of the case pages) as plain dicts: what a
case, a transition, a list line or the public progress query shows to whom.

Personal data is masked here for every list and for the applicant's identity; the
department's internal working (the reviewer's opinion) is left out for the applicant side.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.urls import reverse

from govhall.accounts.models import Applicant
from govhall.cases import actions, selectors, workflow
from govhall.cases.events import INTERNAL_COMMENTS
from govhall.cases.models import Case, SubmittedMaterial
from govhall.core.masking import mask_name
from govhall.workdays.calendar import WorkCalendar


def _deadline(case: Case) -> dict:
    return dataclasses.asdict(selectors.case_deadline(case))


def _applicant(case: Case) -> dict:
    a = case.applicant
    return {"kind": a.kind, "name": a.name, "code": a.masked_code, "phone": a.masked_phone}


def material_out(number: str, m: SubmittedMaterial) -> dict:
    return {
        "id": m.id,
        "requirement_id": m.requirement_id,
        "name": m.requirement.name,
        "source": m.source,
        "original_name": m.original_name,
        "content_type": m.content_type,
        "size": m.size,
        "sha256": m.sha256,
        "licence_number": m.licence_number,
        "uploaded_at": m.uploaded_at,
        "download_url": reverse("api-v1:case_material_file", args=[number, m.id]) if m.file else None,
    }


def _licence_url(case: Case) -> str | None:
    return f"/api/v1/licences/{case.licence_number}/file" if case.licence_number else None


def _document(number: str, d) -> dict:
    return {
        "id": d.id,
        "kind": d.kind,
        "label": d.get_kind_display(),
        "sha256": d.sha256,
        "created_at": d.created_at,
        "download_url": reverse("api-v1:case_document_file", args=[number, d.id]),
    }


def _review(case: Case) -> dict | None:
    event = selectors.current_review(case)
    if event is None:
        return None
    return {
        "recommendation": event.data.get("recommendation", ""),
        "unmet_points": event.data.get("unmet_points", []),
        "opinion": event.comment,
        "reviewer": event.actor_name,
        "reviewed_at": event.created_at,
    }


def _event(e, *, staff_view: bool = True) -> dict:
    return {
        "seq": e.seq,
        "action": e.action,
        "actor_name": e.actor_name,
        "actor_role": e.actor_role,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "comment": e.comment if staff_view or e.action not in INTERNAL_COMMENTS else "",
        # 帮办代办, or a clerk filing at the window: whom the actor acted for
        "on_behalf_of": (e.data or {}).get("on_behalf_of", ""),
        "created_at": e.created_at,
    }


def state_out(case: Case, user) -> dict:
    """The answer to a transition, from the case ``services.case_transition`` returned
    (no further reads)."""
    done = case.last_transition
    return {
        "number": case.number,
        "state": case.state,
        "state_label": case.get_state_display(),
        "version": case.version,
        "due_date": case.due_date,
        "due_provisional": case.due_provisional,
        "clock_paused": case.clock_paused,
        "licence_number": case.licence_number,
        "licence_url": _licence_url(case),
        "event": _event(done.event),
        "documents": [_document(case.number, d) for d in done.documents],
        "actions": actions.offered(case, selectors.actor_roles(user, case)),
    }


def case_out(case: Case, user) -> dict:
    """The detail answer; ``case`` comes from ``selectors.detail_queryset()``."""
    materials = list(case.materials.all())
    deferrals = list(case.deferrals.all())
    supplied = {m.requirement_id for m in materials}
    deferred = {d.requirement_id for d in deferrals}
    roles = selectors.actor_roles(user, case)
    staff_view = bool(roles - {workflow.APPLICANT})
    return {
        "number": case.number,
        "state": case.state,
        "state_label": case.get_state_display(),
        "version": case.version,
        "channel": case.channel,
        "item": {
            "code": case.item.code,
            "name": case.item.name,
            "version": case.item.version,
            "is_instant": case.item.is_instant,
        },
        "applicant": _applicant(case),
        "department": case.department.name,
        "hall": case.hall.name if case.hall else None,
        "window": str(case.intake_window) if case.intake_window else None,
        "issue_window": str(case.issue_window) if case.issue_window else None,
        "green_channel": case.green_channel,
        "created_at": case.created_at,
        "submitted_at": case.submitted_at,
        "accepted_at": case.accepted_at,
        "decided_at": case.decided_at,
        "issued_at": case.issued_at,
        "closed_at": case.closed_at,
        "deadline": _deadline(case),
        "review": _review(case) if staff_view else None,
        "approval_basis": case.approval_basis,
        "decision_reason": case.decision_reason,
        "decision_legal_basis": case.decision_legal_basis,
        "licence_number": case.licence_number,
        "licence_url": _licence_url(case),
        "delivery_mode": case.delivery_mode,
        "tracking_number": case.tracking_number,
        "checklist": [
            {
                "requirement_id": m.id,
                "name": m.name,
                "required": m.required,
                "is_main": m.is_main,
                "deferrable": m.deferrable,
                "source": m.source,
                "supplied": m.id in supplied,
                "deferred": m.id in deferred,
            }
            for m in selectors.required_materials(case)
        ],
        "materials": [material_out(case.number, m) for m in materials],
        "deferrals": [
            {
                "requirement_id": d.requirement_id,
                "name": d.requirement.name,
                "due_date": d.due_date,
                "provisional": d.due_provisional,
                "status": d.status,
            }
            for d in deferrals
        ],
        "commitments": [
            {
                "kind": c.kind,
                "text": c.text,
                "signed_by": c.signed_by,
                "recorded_at": c.recorded_at,
                "verification": c.verification,
                "verification_due": c.verification_due,
            }
            for c in case.commitments.all()
        ],
        "corrections": [
            {"items": c.items, "requested_at": c.requested_at, "resolved_at": c.resolved_at}
            for c in case.corrections.all()
        ],
        "documents": [_document(case.number, d) for d in case.documents.all()],
        "timeline": [_event(e, staff_view=staff_view) for e in case.events.all()],
        "actions": actions.offered(case, roles),
    }


def applicant_name(case: Case) -> str:
    """The applicant's name as lists show it: a person's masked (张*明), a company's whole."""
    applicant = case.applicant
    return mask_name(applicant.name) if applicant.kind == Applicant.Kind.NATURAL else applicant.name


def summary_out(case: Case, calendar: WorkCalendar) -> dict[str, Any]:
    """One line of a case list (API and pages); ``case`` comes from a list selector."""
    deadline = selectors.case_deadline(case, calendar=calendar)
    return {
        "number": case.number,
        "state": case.state,
        "state_label": case.get_state_display(),
        "item_code": case.item.code,
        "item_name": case.item.name,
        "applicant_name": applicant_name(case),
        "department": case.department.name,
        "created_at": case.created_at,
        "due_date": deadline.due_date,
        "remaining_workdays": deadline.remaining_workdays,
        "overdue": deadline.overdue,
        "green_channel": case.green_channel,
        "deadline": deadline,
    }


def progress_out(case: Case) -> dict[str, Any]:
    """办件进度查询: what anyone with the number and the phone's last four digits sees."""
    deadline = selectors.case_deadline(case)
    return {
        "number": case.number,
        "state": case.state,
        "state_label": case.get_state_display(),
        "item_name": case.item.name,
        "applicant_name": mask_name(case.applicant.name),
        "department": case.department.name,
        "submitted_at": case.submitted_at,
        "accepted_at": case.accepted_at,
        "due_date": deadline.due_date,
        "closed_at": case.closed_at,
        "deadline": deadline,
    }
