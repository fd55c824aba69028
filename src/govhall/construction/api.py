"""Construction-project API (``/api/v1/construction``): register a project, file a stage
(one bundle case), submit it, record the joint site inspection, read the project with every
stage, member case, deadline, inspection and result. Thin: parse, call a service or a
selector, shape the answer (``presenters``). Scope: ``selectors`` (an outsider gets 404)."""

import datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema

from govhall.accounts.auth import API_AUTH
from govhall.cases import services as case_services
from govhall.cases.idempotency import idempotent
from govhall.construction import presenters, selectors, services
from govhall.core.errors import ErrorOut, NotFound

router = Router(tags=["construction"], auth=API_AUTH)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class ConstructionProjectIn(Schema):
    code: str = Field(max_length=40, description="项目代码（投资项目在线审批监管平台赋码），4到40位字母、数字或连字符")
    name: str = Field(max_length=200)
    builder_id: int | None = Field(None, description="建设单位（申请人编号）；经办人为空时取其代表的第一个法人")
    key_project: str = Field("", max_length=40, description="所属重点项目代码（可选）")
    location: str = Field("", max_length=200)
    # a number in the document, as stations' key projects (a Decimal is documented as "number
    # or any string", and a string that is not a number was refused against it: schemathesis)
    investment: float | None = Field(
        None, ge=0, le=9_999_999_999.99, allow_inf_nan=False, description="总投资（万元），两位小数"
    )
    description: str = Field("", max_length=2000)


class ConstructionMemberOut(Schema):
    case_number: str
    item_code: str
    item_name: str
    department: str
    state: str
    state_label: str
    accepted_on: datetime.date | None
    due_date: datetime.date | None
    overdue: bool
    licence_number: str
    decision_reason: str
    visible: bool = Field(description="调用者能否打开该办件（部门只能打开本部门的）")


class InspectionOut(Schema):
    inspected_on: datetime.date
    departments: list[str]
    findings: str
    passed: bool
    attachment: str | None
    recorded_by: str
    recorded_at: datetime.datetime


class InspectionPlanOut(Schema):
    starts_at: datetime.datetime = Field(description="踏勘时间")
    place: str = Field(description="集合地点")
    departments: list[str] = Field(description="邀请部门")
    department_codes: list[str]
    note: str
    times: int = Field(description="安排次数（每次改期加一）")
    scheduled_at: datetime.datetime


class StageResultOut(Schema):
    at: datetime.datetime
    note: str
    items: list[dict] = Field(description="各事项的结论：办件编号、事项、部门、状态、结果名称、证照编号、理由")


class StageOut(Schema):
    stage: int = Field(description="1 立项用地规划许可；2 工程建设许可；3 施工许可；4 竣工验收")
    name: str
    status: str = Field(description="locked 未开启；open 待申报；filed 并联审批中；passed 已通过；failed 未通过")
    status_label: str
    bundle_code: str | None
    inspection_required: bool
    awaiting_inspection: bool
    bundle_case: str | None = Field(description="本阶段的一件事办件编号")
    bundle_status: str | None = Field(description="一件事办件的状态（draft 草稿：尚未提交）")
    bundle_status_label: str | None
    filed_at: datetime.datetime | None
    due_date: datetime.date | None = Field(description="阶段办结期限：最后受理的事项的受理日 + 最长承诺时限")
    limit_workdays: int
    members: list[ConstructionMemberOut]
    inspection_plan: InspectionPlanOut | None = Field(description="联合踏勘安排（时间、地点、邀请部门）")
    inspection: InspectionOut | None
    result: StageResultOut | None
    history: list[dict] = Field(description="此前未通过的申报")


class ConstructionProjectOut(Schema):
    code: str
    name: str
    builder: str
    hall: str
    key_project: str | None
    location: str
    investment: float | None
    description: str
    created_at: datetime.datetime
    current_stage: int | None
    stages: list[StageOut]


class ConstructionSummaryOut(Schema):
    code: str
    name: str
    builder: str
    current_stage: int | None
    current_stage_name: str
    status: str
    status_label: str
    created_at: datetime.datetime


class ConstructionPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[ConstructionSummaryOut]


class StageFileIn(Schema):
    answers: dict[str, int] = Field(default_factory=dict, description="阶段一件事的情形答案")
    form: dict[str, str | int | float | bool | None] = Field(default_factory=dict, description="阶段一表申请")
    delivery_mode: str = Field("", max_length=12)


class InspectionIn(Schema):
    inspected_on: datetime.date
    departments: list[str] = Field(min_length=1, max_length=20, description="参加部门编码（本阶段事项的审批部门）")
    findings: str = Field(max_length=4000)
    passed: bool = Field(True, description="现场是否符合要求；不符合时本阶段不通过")


class InspectionPlanIn(Schema):
    starts_at: datetime.datetime = Field(description="踏勘时间（须在现在之后、90天以内；不带时区按北京时间）")
    place: str = Field("", max_length=200, description="集合地点；为空时取项目的建设地点")
    departments: list[str] = Field(min_length=1, max_length=20, description="邀请部门编码（本阶段事项的审批部门）")
    note: str = Field("", max_length=500)


def _builder(user, builder_id: int | None):
    if builder_id is None:
        companies = selectors.builders_of(user)
        if companies:
            return companies[0]
    return case_services.applicant_for(user, builder_id)


@router.post("/projects", response={201: ConstructionProjectOut, **ERRORS}, summary="Register a construction project")
@idempotent
def create_project(request, payload: ConstructionProjectIn):
    user = request.auth
    project = services.project_create(
        actor=user,
        code=payload.code,
        name=payload.name,
        builder=_builder(user, payload.builder_id),
        key_project=payload.key_project or None,
        location=payload.location,
        investment=None if payload.investment is None else Decimal(f"{payload.investment:.2f}"),
        description=payload.description,
    )
    return 201, presenters.project_out(project, user)


@router.get("/projects", response={200: ConstructionPageOut, **ERRORS}, summary="Projects the caller may see")
def list_projects(request, page: int = Query(1, ge=1, le=10_000), page_size: int = Query(20, ge=1, le=100)):
    qs = selectors.list_for(request.auth)
    total = qs.count()
    rows = qs[(page - 1) * page_size : page * page_size]
    return {"count": total, "page": page, "page_size": page_size, "results": [presenters.summary_out(p) for p in rows]}


@router.get(
    "/projects/{code}",
    response={200: ConstructionProjectOut, **ERRORS},
    summary="A project: every stage, case, deadline",
)
def get_project(request, code: str):
    return presenters.project_out(selectors.project_for(request.auth, code), request.auth)


@router.get("/projects/{code}/stages/{stage}", response={200: StageOut, **ERRORS}, summary="One stage of a project")
def get_stage(request, code: str, stage: int):
    project = selectors.project_for(request.auth, code)
    if stage not in range(1, 5):
        raise NotFound("没有这个审批阶段（1至4）", code="stage_not_found")
    return presenters.stage_out(selectors.stage_view(project, stage, request.auth))


def _stage(request, code: str, stage: int) -> dict:
    project = selectors.project_for(request.auth, code)
    return presenters.stage_out(selectors.stage_view(project, stage, request.auth))


@router.post(
    "/projects/{code}/stages/{stage}/file",
    response={201: StageOut, **ERRORS},
    summary="File the stage's items once (one bundle case, reviewed in parallel)",
)
@idempotent
def file_stage(request, code: str, stage: int, payload: StageFileIn):
    services.stage_file(
        actor=request.auth,
        project=code,
        stage=stage,
        answers=payload.answers,
        form=payload.form,
        delivery_mode=payload.delivery_mode,
    )
    return 201, _stage(request, code, stage)


@router.post(
    "/projects/{code}/stages/{stage}/submit",
    response={200: StageOut, **ERRORS},
    summary="Submit the stage's bundle case (materials go through /api/v1/bundle-cases/{number}/materials)",
)
@idempotent
def submit_stage(request, code: str, stage: int):
    services.stage_submit(actor=request.auth, project=code, stage=stage)
    return 200, _stage(request, code, stage)


@router.post(
    "/projects/{code}/stages/{stage}/inspection",
    response={201: InspectionOut, **ERRORS},
    summary="Record the stage's joint site inspection (联合踏勘), once",
)
@idempotent
def record_inspection(request, code: str, stage: int, payload: InspectionIn):
    record = services.inspection_record(
        actor=request.auth,
        project=code,
        stage=stage,
        inspected_on=payload.inspected_on,
        department_codes=payload.departments,
        findings=payload.findings,
        passed=payload.passed,
    )
    return 201, presenters.inspection_out(record)


@router.post(
    "/projects/{code}/stages/{stage}/inspection-plan",
    response={201: InspectionPlanOut, **ERRORS},
    summary="Set or move the stage's joint site inspection (联合踏勘安排); the invited are told",
)
@idempotent
def schedule_inspection(request, code: str, stage: int, payload: InspectionPlanIn):
    plan = services.inspection_schedule(
        actor=request.auth,
        project=code,
        stage=stage,
        starts_at=payload.starts_at,
        place=payload.place,
        department_codes=payload.departments,
        note=payload.note,
    )
    return 201, presenters.plan_out(plan)
