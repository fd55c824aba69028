"""Cases API: filing, materials, transitions, detail and lists, and the public progress query.

Thin: parse, call a service or selector, shape the answer with ``case_out``.
"""

import dataclasses
import datetime
from typing import Any

from django.http import FileResponse
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.throttling import AnonRateThrottle

from govhall.accounts.auth import API_AUTH
from govhall.cases import selectors, services
from govhall.cases.idempotency import idempotent
from govhall.cases.models import Case, Document, SubmittedMaterial
from govhall.cases.workflow import APPLICANT
from govhall.core.errors import ErrorOut, NotFound
from govhall.core.masking import mask_name
from govhall.workdays.selectors import get_calendar

router = Router(tags=["cases"], auth=API_AUTH)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CaseCreateIn(Schema):
    item_code: str
    situation_answers: dict[str, int] = {}
    form: dict[str, Any] = {}
    applicant_id: int | None = None


class CorrectionItemIn(Schema):
    requirement_id: int | None = None
    name: str = ""
    problem: str


class TransitionIn(Schema):
    action: str
    comment: str = ""
    expected_version: int | None = None
    deferred: list[int] | None = None
    commitment: str | None = None
    signed_by: str | None = None
    items: list[CorrectionItemIn] | None = None
    reason: str | None = None
    legal_basis: str | None = None
    delivery_mode: str | None = None
    tracking_number: str | None = None
    address: str | None = None
    requirement_ids: list[int] | None = None
    days: int | None = Field(None, description="extend：延长的工作日数")
    recommendation: str | None = Field(
        None, description="review：approve（建议准予）或 deny（建议不予）；意见写在 comment"
    )
    points: list[int] | None = Field(None, description="review：核对通过的审查要点（事项 review_points 的序号，从0起）")


class VerificationIn(Schema):
    passed: bool
    comment: str


class ItemRef(Schema):
    code: str
    name: str
    version: int
    is_instant: bool


class ApplicantOut(Schema):
    kind: str
    name: str
    code: str  # masked for natural persons
    phone: str  # masked


class DeadlineOut(Schema):
    accepted_on: datetime.date | None
    limit_workdays: int | None
    due_date: datetime.date | None
    provisional: bool
    remaining_workdays: int | None
    paused: bool
    overdue: bool
    extended_workdays: int = Field(0, description="延长审批期限的工作日数（已计入 limit_workdays）")


class ChecklistOut(Schema):
    requirement_id: int
    name: str
    required: bool
    is_main: bool
    deferrable: bool
    source: str
    supplied: bool
    deferred: bool


class MaterialOut(Schema):
    id: int
    requirement_id: int
    name: str
    source: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    licence_number: str
    uploaded_at: datetime.datetime
    download_url: str | None


class MaterialUploadOut(MaterialOut):
    missing_requirement_ids: list[int]


class DeferralOut(Schema):
    requirement_id: int
    name: str
    due_date: datetime.date
    provisional: bool
    status: str


class CommitmentOut(Schema):
    kind: str
    text: str
    signed_by: str
    recorded_at: datetime.datetime
    verification: str
    verification_due: datetime.date | None


class CorrectionOut(Schema):
    items: list[dict[str, Any]]
    requested_at: datetime.datetime
    resolved_at: datetime.datetime | None


class DocumentOut(Schema):
    id: int
    kind: str
    label: str
    sha256: str
    created_at: datetime.datetime
    download_url: str


class EventOut(Schema):
    seq: int
    action: str
    actor_name: str
    actor_role: str
    from_state: str
    to_state: str
    comment: str
    created_at: datetime.datetime


class ReviewOut(Schema):
    recommendation: str = Field(description="approve（建议准予许可）或 deny（建议不予许可）")
    unmet_points: list[str] = Field(description="未核对通过的审查要点")
    opinion: str
    reviewer: str
    reviewed_at: datetime.datetime


class CaseOut(Schema):
    number: str
    state: str
    state_label: str
    version: int
    channel: str
    item: ItemRef
    applicant: ApplicantOut
    department: str
    hall: str | None
    window: str | None
    issue_window: str | None
    created_at: datetime.datetime
    submitted_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    decided_at: datetime.datetime | None
    issued_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    deadline: DeadlineOut
    review: ReviewOut | None = Field(description="审查意见：待决定的办件上审查员的建议；待审查时为 null")
    approval_basis: str
    decision_reason: str
    decision_legal_basis: str
    licence_number: str
    licence_url: str | None
    delivery_mode: str
    tracking_number: str
    checklist: list[ChecklistOut]
    materials: list[MaterialOut]
    deferrals: list[DeferralOut]
    commitments: list[CommitmentOut]
    corrections: list[CorrectionOut]
    documents: list[DocumentOut]
    timeline: list[EventOut]
    actions: list[str]


class CaseStateOut(Schema):
    """The answer to an action: where the case stands now, what the action produced and
    what the caller may do next. GET the case for everything else."""

    number: str
    state: str
    state_label: str
    version: int
    due_date: datetime.date | None
    due_provisional: bool
    clock_paused: bool
    licence_number: str
    licence_url: str | None
    event: EventOut
    documents: list[DocumentOut]  # the documents this action produced
    actions: list[str]


class CaseSummaryOut(Schema):
    number: str
    state: str
    state_label: str
    item_code: str
    item_name: str
    applicant_name: str
    department: str
    created_at: datetime.datetime
    due_date: datetime.date | None
    remaining_workdays: int | None
    overdue: bool


class CasePageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[CaseSummaryOut]


class ProgressOut(Schema):
    number: str
    state: str
    state_label: str
    item_name: str
    applicant_name: str
    department: str
    submitted_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    due_date: datetime.date | None
    closed_at: datetime.datetime | None


def _deadline(case: Case) -> dict:
    return dataclasses.asdict(selectors.case_deadline(case))


def _applicant(case: Case) -> dict:
    a = case.applicant
    return {"kind": a.kind, "name": a.name, "code": a.masked_code, "phone": a.masked_phone}


def _material(number: str, m: SubmittedMaterial) -> dict:
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


# Events whose comment is the department's internal working (the reviewer's opinion before
# the decision): the applicant side sees that the step happened, not what it said.
INTERNAL_COMMENTS = frozenset({"review"})


def _event(e, *, staff_view: bool = True) -> dict:
    return {
        "seq": e.seq,
        "action": e.action,
        "actor_name": e.actor_name,
        "actor_role": e.actor_role,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "comment": e.comment if staff_view or e.action not in INTERNAL_COMMENTS else "",
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
        "actions": selectors.available_actions(case, selectors.actor_roles(user, case)),
    }


def case_out(case: Case, user) -> dict:
    """The detail answer; ``case`` comes from ``selectors.detail_queryset()``."""
    materials = list(case.materials.all())
    deferrals = list(case.deferrals.all())
    supplied = {m.requirement_id for m in materials}
    deferred = {d.requirement_id for d in deferrals}
    roles = selectors.actor_roles(user, case)
    staff_view = bool(roles - {APPLICANT})
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
        "materials": [_material(case.number, m) for m in materials],
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
        "actions": selectors.available_actions(case, roles),
    }


def _detail(number: str, user) -> dict:
    return case_out(selectors.case_for_actor(number, user, queryset=selectors.detail_queryset()), user)


@router.post("", response={201: CaseOut, **ERRORS}, summary="Create a draft case (申请)")
@idempotent
def create_case(request, payload: CaseCreateIn):
    user = request.auth
    applicant = services.applicant_for(user, payload.applicant_id)
    case = services.case_create(
        actor=user,
        item_code=payload.item_code,
        applicant=applicant,
        situation_answers=payload.situation_answers,
        form=payload.form,
    )
    return 201, case_out(selectors.with_related_rows(case, case.created_rows), user)


@router.get("", response={200: CasePageOut, **ERRORS}, summary="Cases the caller may see")
def list_cases(
    request,
    state: str | None = None,
    item_code: str | None = None,
    page: int = Query(1, ge=1),
    page_size: int = Query(20, ge=1, le=100),
):
    qs = selectors.list_queryset(request.auth, state=state, item_code=item_code)
    total = qs.count()
    rows = list(qs[(page - 1) * page_size : page * page_size])
    results = []
    calendar = get_calendar()
    for case in rows:
        deadline = selectors.case_deadline(case, calendar=calendar)
        results.append(
            {
                "number": case.number,
                "state": case.state,
                "state_label": case.get_state_display(),
                "item_code": case.item.code,
                "item_name": case.item.name,
                "applicant_name": mask_name(case.applicant.name)
                if case.applicant.kind == "natural"
                else case.applicant.name,
                "department": case.department.name,
                "created_at": case.created_at,
                "due_date": deadline.due_date,
                "remaining_workdays": deadline.remaining_workdays,
                "overdue": deadline.overdue,
            }
        )
    return {"count": total, "page": page, "page_size": page_size, "results": results}


@router.get("/{number}", response={200: CaseOut, **ERRORS}, summary="A case with deadline, documents and timeline")
def get_case(request, number: str):
    return _detail(number, request.auth)


@router.post(
    "/{number}/materials",
    response={201: MaterialUploadOut, **ERRORS},
    summary="Upload a material (PDF, JPG, PNG; checked by content)",
    description="Answers with the stored material and the required materials still missing, not the whole case "
    "(an applicant uploads several files in a row; GET the case for everything else).",
)
@idempotent
def upload_material(request, number: str, requirement_id: Form[int], file: File[UploadedFile]):
    material = services.material_upload(case=number, actor=request.auth, requirement_id=requirement_id, upload=file)
    return 201, {**_material(number, material), "missing_requirement_ids": [m.id for m in material.still_missing]}


@router.post(
    "/{number}/submit", response={200: CaseStateOut, **ERRORS}, summary="Submit (or resubmit after correction)"
)
@idempotent
def submit_case(request, number: str):
    user = request.auth
    return 200, state_out(services.case_transition(case=number, actor=user, action="submit"), user)


@router.post(
    "/{number}/transitions",
    response={200: CaseStateOut, **ERRORS},
    summary="Take a workflow action",
    description="Answers with the new state, the timeline event and the documents the action produced, and the "
    "actions the caller may take next; GET the case for the rest.",
)
@idempotent
def transition_case(request, number: str, payload: TransitionIn):
    user = request.auth
    params = payload.dict(exclude={"action", "comment", "expected_version"}, exclude_none=True)
    case = services.case_transition(
        case=number,
        actor=user,
        action=payload.action,
        comment=payload.comment,
        params=params,
        expected_version=payload.expected_version,
    )
    return 200, state_out(case, user)


@router.post(
    "/{number}/verification", response={200: CaseOut, **ERRORS}, summary="Record the check of a 告知承诺 approval"
)
@idempotent
def verify_commitment(request, number: str, payload: VerificationIn):
    user = request.auth
    case = selectors.case_for_actor(number, user)
    services.commitment_verify(case=case, actor=user, passed=payload.passed, comment=payload.comment)
    return 200, _detail(number, user)


@router.get("/{number}/documents/{document_id}", url_name="case_document_file", summary="Download a case document")
def document_file(request, number: str, document_id: int):
    case = selectors.case_for_actor(number, request.auth)
    doc = Document.objects.filter(case=case, pk=document_id).first()
    if doc is None:
        raise NotFound("未找到该文书", code="document_not_found")
    return FileResponse(doc.file.open("rb"), content_type="application/pdf", filename=doc.file.name.rsplit("/", 1)[-1])


@router.get(
    "/{number}/materials/{material_id}/file", url_name="case_material_file", summary="Download a submitted material"
)
def material_file(request, number: str, material_id: int):
    case = selectors.case_for_actor(number, request.auth)
    material = SubmittedMaterial.objects.filter(case=case, pk=material_id).exclude(file="").first()
    if material is None:
        raise NotFound("未找到该材料", code="material_not_found")
    return FileResponse(material.file.open("rb"), content_type=material.content_type)


progress_router = Router(tags=["cases"])


@progress_router.get(
    "",
    response={200: ProgressOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    throttle=[AnonRateThrottle("30/m")],
    summary="Public progress query (办件进度查询): case number + last 4 digits of the applicant's phone",
    description="30 look-ups a minute per address (429 `rate_limited`); after 10 wrong answers for one case "
    "number within an hour, that number answers 429 `progress_locked` for the rest of the hour.",
)
def progress(request, number: str, phone_last4: str):
    case = services.progress_query(number=number.strip(), phone_last4=phone_last4.strip())
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
    }
