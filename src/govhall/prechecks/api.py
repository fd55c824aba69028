"""Prechecks API (``/api/v1/prechecks``): ask for a precheck of a draft, list one's own
(``/mine``) or, as staff, those in one's scope, read one with the draft (read-only), answer it
once (一次性告知), withdraw it, and count them (``/counts``). Thin: parse, call a service or
a selector, shape the answer. An outsider gets 404; the wrong side 403."""

import datetime

from ninja import Field, Query, Router, Schema

from govhall.accounts.auth import API_AUTH
from govhall.cases.idempotency import idempotent
from govhall.core.errors import DomainError, ErrorOut
from govhall.prechecks import presenters, selectors, services
from govhall.prechecks.models import Finding, Outcome, Status

router = Router(tags=["prechecks"], auth=API_AUTH)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class PrecheckIn(Schema):
    case_number: str = Field("", max_length=32, description="草稿办件编号（与 bundle_case_number 二选一）")
    bundle_case_number: str = Field("", max_length=40, description="一件事草稿编号")
    question: str = Field("", max_length=1000, description="想请工作人员重点看的问题（可选）")


class FindingIn(Schema):
    kind: Finding.Kind = Field(description="material 材料；field 申请表字段；other 其他")
    target: str = Field(max_length=200, description="材料或字段名称")
    case_number: str = Field("", max_length=32, description="一件事草稿中所指的成员办件；单件草稿可省略")
    requirement_id: int | None = Field(None, description="材料清单中的材料编号（kind 为 material 时可填）")
    problem: str = Field(max_length=500, description="存在的问题")
    needed: str = Field(max_length=500, description="需要怎样修改")


class ReplyIn(Schema):
    outcome: Outcome = Field(description="fix 需修改（须列出告知项）；ready 无需修改")
    findings: list[FindingIn] = Field(default_factory=list, max_length=50)
    summary: str = Field("", max_length=2000)


class FindingOut(Schema):
    kind: str
    kind_label: str
    case_number: str
    target: str
    requirement_id: int | None
    problem: str
    needed: str


class PrecheckSummaryOut(Schema):
    number: str
    subject: str
    draft: str = Field(description="草稿办件或一件事草稿的编号")
    kind: str = Field(description="case 单件；bundle_case 一件事")
    applicant: str = Field(description="申请人（自然人姓名已脱敏）")
    department: str | None
    hall: str
    channel: str
    status: str
    status_label: str
    outcome: str
    due_date: datetime.date = Field(description="答复期限（工作日）")
    created_at: datetime.datetime
    replied_at: datetime.datetime | None


class DraftFieldOut(Schema):
    name: str
    value: str


class DraftAnswerOut(Schema):
    question: str
    answer: str


class DraftChecklistOut(Schema):
    requirement_id: int
    name: str
    required: bool
    supplied: bool


class DraftUploadOut(Schema):
    id: int
    requirement_id: int
    name: str
    source: str
    file_name: str
    size: int
    uploaded_at: datetime.datetime
    has_file: bool


class DraftCaseOut(Schema):
    case_number: str
    state: str = Field(description="始终为 draft：审前服务不改变草稿")
    item_name: str
    department: str
    form: list[DraftFieldOut]
    answers: list[DraftAnswerOut]
    checklist: list[DraftChecklistOut]
    uploads: list[DraftUploadOut]


class PrecheckOut(PrecheckSummaryOut):
    question: str
    reviewer: str | None
    summary: str
    findings: list[FindingOut] = Field(description="一次性告知清单（答复后不可修改）")
    may_reply: bool
    draft_cases: list[DraftCaseOut]


class PrecheckPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[PrecheckSummaryOut]


class PrecheckCountOut(Schema):
    department: str
    status: str
    outcome: str
    count: int


class PrecheckCountsOut(Schema):
    start: datetime.date
    end: datetime.date
    total: int
    pending: int
    replied: int
    withdrawn: int
    ready: int
    fix: int
    rows: list[PrecheckCountOut]


def _page(qs, page: int, page_size: int) -> dict:
    total = qs.count()
    rows = qs[(page - 1) * page_size : page * page_size]
    return {"count": total, "page": page, "page_size": page_size, "results": [presenters.summary_out(r) for r in rows]}


@router.post("", response={201: PrecheckOut, **ERRORS}, summary="Ask for a precheck (审前服务) of a draft")
@idempotent
def create_precheck(request, payload: PrecheckIn):
    found = services.precheck_request(
        actor=request.auth,
        case_number=payload.case_number,
        bundle_case_number=payload.bundle_case_number,
        question=payload.question,
    )
    return 201, presenters.request_out(found, request.auth)


@router.get("", response={200: PrecheckPageOut, **ERRORS}, summary="Prechecks in the caller's staff scope")
def list_prechecks(
    request,
    status: Status | None = None,
    page: int = Query(1, ge=1, le=10_000),
    page_size: int = Query(20, ge=1, le=100),
):
    return _page(selectors.staff_list(request.auth, status or ""), page, page_size)


@router.get("/mine", response={200: PrecheckPageOut, **ERRORS}, summary="The caller's own prechecks (applicant side)")
def my_prechecks(request, page: int = Query(1, ge=1, le=10_000), page_size: int = Query(20, ge=1, le=100)):
    return _page(selectors.mine(request.auth), page, page_size)


@router.get(
    "/counts", response={200: PrecheckCountsOut, **ERRORS}, summary="Prechecks counted per department and outcome"
)
def precheck_counts(request, start: datetime.date, end: datetime.date):
    if end < start or (end - start).days > 366:
        raise DomainError("统计区间应为一年以内，且结束日期不早于开始日期", code="invalid_period")
    rows = selectors.counts(request.auth, start, end)
    return {"start": start, "end": end, **selectors.totals(rows), "rows": [r.__dict__ for r in rows]}


@router.get("/{number}", response={200: PrecheckOut, **ERRORS}, summary="A precheck with its draft (read-only)")
def get_precheck(request, number: str):
    return presenters.request_out(selectors.request_for(request.auth, number), request.auth)


@router.post("/{number}/reply", response={200: PrecheckOut, **ERRORS}, summary="一次性告知: answer once, never edited")
@idempotent
def reply_precheck(request, number: str, payload: ReplyIn):
    found = services.precheck_reply(
        actor=request.auth,
        request=number,
        outcome=payload.outcome,
        findings=[f.model_dump() for f in payload.findings],
        summary=payload.summary,
    )
    return 200, presenters.request_out(found, request.auth)


@router.post("/{number}/withdraw", response={200: PrecheckOut, **ERRORS}, summary="Withdraw a request not yet answered")
@idempotent
def withdraw_precheck(request, number: str):
    return 200, presenters.request_out(services.precheck_withdraw(actor=request.auth, request=number), request.auth)
