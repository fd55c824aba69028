"""Answers of the prechecks API and data of its pages, shaped once."""

from __future__ import annotations

from typing import Any

from govhall.core.masking import mask_name
from govhall.prechecks import selectors
from govhall.prechecks.models import PrecheckRequest


def _applicant(request: PrecheckRequest) -> str:
    a = request.applicant
    return a.name if a.kind == a.Kind.LEGAL else mask_name(a.name)


def summary_out(request: PrecheckRequest) -> dict[str, Any]:
    return {
        "number": request.number,
        "subject": request.subject,
        "draft": request.draft_number,
        "kind": "case" if request.case_id else "bundle_case",
        "applicant": _applicant(request),
        "department": request.department.name if request.department_id else None,
        "hall": request.hall.name,
        "channel": request.channel,
        "status": request.status,
        "status_label": request.get_status_display(),
        "outcome": request.outcome,
        "due_date": request.due_date,
        "created_at": request.created_at,
        "replied_at": request.replied_at,
    }


def findings_out(request: PrecheckRequest) -> list[dict[str, Any]]:
    return [
        {
            "kind": f.kind,
            "kind_label": f.get_kind_display(),
            "case_number": f.case_number,
            "target": f.target,
            "requirement_id": f.requirement_id,
            "problem": f.problem,
            "needed": f.needed,
        }
        for f in request.findings.all()
    ]


def request_out(request: PrecheckRequest, user) -> dict[str, Any]:
    return {
        **summary_out(request),
        "question": request.question,
        "reviewer": (request.reviewer.display_name or request.reviewer.username) if request.reviewer_id else None,
        "summary": request.summary,
        "findings": findings_out(request),
        "may_reply": request.status == "pending" and selectors.may_reply(user, request),
        "draft_cases": selectors.draft_view(request),
    }
