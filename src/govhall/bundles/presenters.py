"""The shape of a bundle case for the API and the page (one place, so both agree)."""

from __future__ import annotations

from typing import Any

from govhall.accounts.models import User
from govhall.bundles import selectors, services
from govhall.bundles.models import BundleCase, Delivery, Status
from govhall.cases import selectors as case_selectors
from govhall.cases.models import State


def bundle_case_data(bundle_case: BundleCase, user: User) -> dict[str, Any]:
    all_members = selectors.members(bundle_case)
    applicant_side = selectors.is_applicant_side(user, bundle_case)
    shown = all_members if applicant_side else selectors.visible_members(user, bundle_case)
    deadline = selectors.bundle_deadline(all_members)
    decided = sum(1 for m in all_members if m.case.state in selectors.DECIDED)
    materials = []
    if applicant_side:
        by_code = {m.item_code: m for m in all_members}
        for material in services.unified_materials(bundle_case, all_members):
            supplied = [
                code
                for code, requirement_id in material.targets.items()
                if code in by_code and requirement_id in _supplied(by_code[code])
            ]
            materials.append(
                {
                    "name": material.name,
                    "required": material.required,
                    "asked": material.asked,
                    "source": material.source,
                    "shared": material.shared,
                    "members": len(material.targets),
                    "supplied": len(supplied) == len(material.targets),
                }
            )
    return {
        "number": bundle_case.number,
        "bundle_code": bundle_case.bundle.code,
        "bundle_name": bundle_case.bundle.name,
        "status": bundle_case.status,
        "status_label": Status(bundle_case.status).label,
        "delivery": bundle_case.delivery,
        "delivery_label": Delivery(bundle_case.delivery).label,
        "delivery_mode": bundle_case.delivery_mode,
        "form": bundle_case.form if applicant_side else {},
        "created_at": bundle_case.created_at,
        "submitted_at": bundle_case.submitted_at,
        "decided_at": bundle_case.decided_at,
        "progress": {"members": len(all_members), "decided": decided},
        "deadline": deadline.due_date,
        "limit_workdays": deadline.limit_workdays,
        "members": [
            {
                "case_number": m.case.number,
                "item_code": m.item_code,
                "item_name": m.case.item.name,
                "department": m.case.department.name if m.case.department_id else "",
                "state": m.case.state,
                "state_label": State(m.case.state).label,
                "accepted_on": m.case.accepted_on,
                "due_date": m.case.due_date,
                "held": m.held and m.case.state == State.ISSUED,
            }
            for m in shown
        ],
        "materials": materials,
        "corrections": selectors.open_corrections(bundle_case, all_members) if applicant_side else [],
        "notices": [
            {"kind": n.kind, "text": n.text, "created_at": n.created_at} for n in selectors.notices(bundle_case)
        ]
        if applicant_side
        else [],
    }


def _supplied(member) -> set[int]:
    if "_supplied" not in member.__dict__:
        member.__dict__["_supplied"] = case_selectors.supplied_requirement_ids(member.case)
    return member.__dict__["_supplied"]
