"""Cases API: filing, materials, transitions, detail and lists, and the public progress query.

Thin: parse, call a service or selector, shape the answer with ``presenters``. The body of
``POST /cases/{number}/transitions`` is the union of the workflow actions' parameter models
(``actions.py``), discriminated by ``action``: the OpenAPI document shows each action's fields.
"""

import datetime
from typing import Annotated, Any, Literal, Union

from django.http import FileResponse
from ninja import Body, Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.throttling import AnonRateThrottle
from pydantic import create_model

from govhall.accounts.auth import API_AUTH
from govhall.cases import actions, selectors, services
from govhall.cases.idempotency import idempotent
from govhall.cases.models import Document, SubmittedMaterial
from govhall.cases.presenters import case_out, material_out, progress_out, state_out, summary_out
from govhall.cases.progress import progress_query
from govhall.core.errors import ErrorOut, NotFound
from govhall.workdays.selectors import get_calendar

router = Router(tags=["cases"], auth=API_AUTH)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CaseCreateIn(Schema):
    item_code: str
    situation_answers: dict[str, int] = {}
    form: dict[str, Any] = {}
    applicant_id: int | None = None


def _action_body(name: str) -> type:
    """The request body of one action: its parameters, plus ``action`` (the discriminator),
    ``comment`` and ``expected_version``."""
    row = actions.known(name)
    camel = "".join(part.title() for part in name.split("_"))
    return create_model(
        f"{camel}In",
        __base__=row.params,
        __doc__=f"{row.button}（action={name}）",
        action=(Literal[name], ...),
        comment=(
            str,
            Field("", max_length=2000, description=f"{row.comment}（必填）" if row.comment else "意见（可选）"),
        ),
        expected_version=(int | None, Field(None, description="办件的 version：不一致时答 409 stale_version")),
    )


TransitionIn = Annotated[Union[tuple(_action_body(name) for name in actions.ACTIONS)], Field(discriminator="action")]  # noqa: UP007 (a Union of a tuple)


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


class CaseMaterialOut(Schema):
    """A material a case holds (the catalogue's MaterialOut is what an item asks for)."""

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


class MaterialUploadOut(CaseMaterialOut):
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
    on_behalf_of: str = Field(
        "", description="代办: the applicant the actor acted for (an assistant, a window clerk filing)"
    )
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
    green_channel: bool = Field(False, description="绿色通道：受理时按事项的绿色通道承诺时限计时")
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
    materials: list[CaseMaterialOut]
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
    green_channel: bool = Field(False, description="绿色通道：压缩承诺时限，在待办队列中优先")


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


def _detail(number: str, user) -> dict:
    return case_out(selectors.case_for_actor(number, user, queryset=selectors.detail_queryset()), user)


@router.post(
    "",
    response={201: CaseOut, 503: ErrorOut, **ERRORS},
    summary="Create a draft case (申请)",
    description="503 `number_exhausted` in the rare event that no free case number was found: retry.",
)
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
    page: int = Query(1, ge=1, le=10_000),
    page_size: int = Query(20, ge=1, le=100),
):
    qs = selectors.list_queryset(request.auth, state=state, item_code=item_code)
    total = qs.count()
    calendar = get_calendar()
    results = [summary_out(case, calendar) for case in qs[(page - 1) * page_size : page * page_size]]
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
    return 201, {**material_out(number, material), "missing_requirement_ids": [m.id for m in material.still_missing]}


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
def transition_case(request, number: str, payload: Body[TransitionIn]):
    user = request.auth
    case = services.case_transition(
        case=number,
        actor=user,
        action=payload.action,
        comment=payload.comment,
        params=payload,
        expected_version=payload.expected_version,
    )
    return 200, state_out(case, user)


@router.post(
    "/{number}/verification",
    response={200: CaseOut, **ERRORS},
    summary="Record the check of a 告知承诺 approval",
    description="The action verify_commitment, answered with the whole case: a failed check recorded by the "
    "chief approver revokes the decision and its e-licence; recorded by a reviewer, it waits for the chief "
    "approver (待撤销).",
)
@idempotent
def verify_commitment(request, number: str, payload: VerificationIn):
    user = request.auth
    services.commitment_verify(case=number, actor=user, passed=payload.passed, comment=payload.comment)
    return 200, _detail(number, user)


def _binary(description: str, *types: str) -> dict:
    """The 200 answer of a download, for the OpenAPI document (ninja cannot infer it)."""
    content = {t: {"schema": {"type": "string", "format": "binary"}} for t in types}
    return {"responses": {200: {"description": description, "content": content}}}


@router.get(
    "/{number}/documents/{document_id}",
    url_name="case_document_file",
    response={404: ErrorOut},
    summary="Download a case document",
    openapi_extra=_binary("The document (PDF)", "application/pdf"),
)
def document_file(request, number: str, document_id: int):
    case = selectors.case_for_actor(number, request.auth)
    doc = Document.objects.filter(case=case, pk=document_id).first()
    if doc is None:
        raise NotFound("未找到该文书", code="document_not_found")
    return FileResponse(doc.file.open("rb"), content_type="application/pdf", filename=doc.file.name.rsplit("/", 1)[-1])


@router.get(
    "/{number}/materials/{material_id}/file",
    url_name="case_material_file",
    response={404: ErrorOut},
    summary="Download a submitted material",
    openapi_extra=_binary("The file as uploaded (PDF, JPEG or PNG)", "application/pdf", "image/jpeg", "image/png"),
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
    return progress_out(progress_query(number=number.strip(), phone_last4=phone_last4.strip()))
