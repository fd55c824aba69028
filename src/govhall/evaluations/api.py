"""Evaluation API (``/api/v1/evaluations``): submit an evaluation (of a case, an item or a
staff member), the caller's evaluations and follow-ups, the callback and rectification
tasks for staff in scope, the applicant's answer to a rectification, and the public figures.
There is no update and no delete: an evaluation, once given, stays as given.

Errors are ``{code, message, detail}``; the codes each operation may answer with:

* 400 ``invalid_level`` / ``invalid_indicators`` / ``invalid_comment`` / ``comment_required``
  / ``invalid_channel`` / ``invalid_record`` / ``record_required``: bad input;
* 401 ``unauthenticated``; 403 ``not_applicant`` (only the case's applicant or the legal
  person's operators evaluate), ``own_case`` (staff never evaluate cases they handled),
  ``not_department`` (only the task's department acts on it);
* 404 ``case_not_found`` / ``item_not_found`` / ``staff_not_found`` / ``evaluation_not_found``
  / ``task_not_found`` (also for what exists but is outside the caller's scope);
* 409 ``already_evaluated`` (one per case), ``not_concluded``, ``evaluation_closed``,
  ``already_followed_up``, ``follow_up_closed``, ``wrong_task_state`` (a step out of order:
  nothing is skipped), ``already_responded``;
* 422 ``validation_error``: a body that does not match the schema.
"""

from __future__ import annotations

import datetime

from ninja import Field, Query, Router, Schema

from govhall.accounts import scope
from govhall.accounts.auth import API_AUTH
from govhall.accounts.models import User
from govhall.cases import selectors as case_selectors
from govhall.catalog.models import ServiceItem
from govhall.core.errors import ErrorOut, NotFound
from govhall.evaluations import selectors, services
from govhall.evaluations.models import INDICATORS, CallbackTask, Evaluation

router = Router(tags=["evaluations"], auth=API_AUTH)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class EvaluationIn(Schema):
    level: int = Field(description="5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意")
    indicators: dict[str, int] = Field(
        description="每个指标的等级 1–5。网上（PC/APP/SMS、事项评价）：overall 整体满意度、efficiency 办事效率、"
        "guide_accuracy 办事指南精确度、convenience 办事便捷度、usability 平台操作性；"
        "工作人员评价：overall、service_efficiency 服务效率、service_level 服务水平、attitude 服务态度"
    )
    comment: str = Field("", max_length=500, description="文字评价；差评（1、2）必填")


class CaseEvaluationIn(EvaluationIn):
    channel: str = Field("PC", description="PC 办件页面、APP 移动端、SMS 短信链接")


class SubjectEvaluationIn(EvaluationIn):
    applicant_id: int | None = Field(None, description="代表的申请人（可代表多个申请人时）")


class FollowUpIn(Schema):
    comment: str = Field(max_length=500)


class FollowUpOut(Schema):
    comment: str
    created_at: datetime.datetime


class EvaluationOut(Schema):
    id: int
    subject: str
    case_number: str | None
    item_code: str | None
    item_name: str | None
    department: str
    channel: str
    channel_label: str
    level: int
    level_label: str
    indicators: dict[str, int]
    indicator_labels: dict[str, str]
    comment: str
    created_at: datetime.datetime
    follow_up: FollowUpOut | None
    task_state: str | None = Field(description="差评的回访整改状态")


class CallbackIn(Schema):
    method: str = Field(description="phone 电话、visit 上门、sms 短信、onsite 现场")
    outcome: str = Field(description="reached 已联系、unreachable 未能联系、declined 拒绝回访")
    summary: str = Field(max_length=2000)


class RectificationIn(Schema):
    cause: str = Field(description="staff 工作人员、process 流程制度、system 系统设备、policy 政策、none 无过错")
    measures: str = Field(max_length=2000)
    responsible_staff_id: int | None = Field(None, description="原因为 staff 时必填")
    accountability: str = Field("", max_length=2000, description="原因为 staff 时必填：追责处理")


class CloseIn(Schema):
    note: str = Field(max_length=2000, description="办结说明，将告知申请人")


class ResponseIn(Schema):
    confirm: bool = Field(description="true 认可；false 不认可（重新整改）")
    comment: str = Field("", max_length=500, description="不认可时必填")


class CallbackOut(Schema):
    method: str
    outcome: str
    summary: str
    recorded_at: datetime.datetime


class RectificationOut(Schema):
    round: int
    cause: str
    measures: str
    responsible_staff: str | None
    accountability: str
    overdue: bool
    recorded_at: datetime.datetime


class TaskOut(Schema):
    id: int
    state: str
    state_label: str
    department: str
    evaluation_id: int
    level: int
    case_number: str | None
    item_name: str | None
    comment: str
    callback_due: datetime.date
    rectification_due: datetime.date | None
    closing_note: str
    applicant_response: str
    reopened_count: int
    callbacks: list[CallbackOut]
    rectifications: list[RectificationOut]


class RateOut(Schema):
    name: str
    code: str
    total: int
    good: int
    bad: int
    rate: str


class PublicOut(Schema):
    total: RateOut
    departments: list[RateOut]
    items: list[RateOut]


def _evaluation(e: Evaluation) -> dict:
    follow_up = getattr(e, "follow_up", None) if hasattr(e, "follow_up") else None
    task = getattr(e, "callback_task", None) if hasattr(e, "callback_task") else None
    return {
        "id": e.pk,
        "subject": e.subject,
        "case_number": e.case.number if e.case_id else None,
        "item_code": e.item.code if e.item_id else None,
        "item_name": e.item.name if e.item_id else None,
        "department": e.department.name,
        "channel": e.channel,
        "channel_label": e.get_channel_display(),
        "level": e.level,
        "level_label": e.get_level_display(),
        "indicators": e.indicators,
        "indicator_labels": INDICATORS[e.indicator_set],
        "comment": e.comment,
        "created_at": e.created_at,
        "follow_up": {"comment": follow_up.comment, "created_at": follow_up.created_at} if follow_up else None,
        "task_state": task.state if task else None,
    }


def _task(t: CallbackTask, user: User) -> dict:
    return {
        "id": t.pk,
        "state": t.state,
        "state_label": t.get_state_display(),
        "department": t.department.name,
        "evaluation_id": t.evaluation_id,
        "level": t.evaluation.level,
        "case_number": t.evaluation.case.number if t.evaluation.case_id else None,
        "item_name": t.evaluation.item.name if t.evaluation.item_id else None,
        "comment": t.evaluation.comment,
        "callback_due": t.callback_due,
        "rectification_due": t.rectification_due,
        "closing_note": t.closing_note,
        "applicant_response": t.applicant_response,
        "reopened_count": t.reopened_count,
        "callbacks": [
            {"method": c.method, "outcome": c.outcome, "summary": c.summary, "recorded_at": c.recorded_at}
            for c in t.callbacks.all()
        ],
        "rectifications": [
            {
                "round": r.round,
                "cause": r.cause,
                "measures": r.measures,
                # who was at fault is for staff only
                "responsible_staff": str(r.responsible_staff)
                if r.responsible_staff_id and scope.staff_role(user)
                else None,
                "accountability": r.accountability if scope.staff_role(user) else "",
                "overdue": r.overdue,
                "recorded_at": r.recorded_at,
            }
            for r in t.rectifications.select_related("responsible_staff")
        ],
    }


def _reload(pk: int) -> Evaluation:
    return Evaluation.objects.select_related("case", "item", "department", "follow_up", "callback_task").get(pk=pk)


# --------------------------------------------------------------------------- evaluating


@router.post(
    "/cases/{number}",
    response={201: EvaluationOut, **ERRORS},
    summary="Evaluate a concluded case (its applicant, once; online, app or SMS link)",
)
def evaluate_case(request, number: str, payload: CaseEvaluationIn):
    case = case_selectors.case_for_actor(
        number, request.auth, queryset=case_selectors.visible_cases(request.auth).select_related("applicant")
    )
    evaluation = services.evaluate_case(
        actor=request.auth,
        case=case,
        level=payload.level,
        indicators=payload.indicators,
        comment=payload.comment,
        channel=payload.channel,
    )
    return 201, _evaluation(_reload(evaluation.pk))


@router.get("/cases/{number}", response={200: EvaluationOut, **ERRORS}, summary="The evaluation of a case")
def case_evaluation(request, number: str):
    user = request.auth
    case = case_selectors.case_for_actor(
        number, user, queryset=case_selectors.visible_cases(user).select_related("applicant")
    )
    evaluation = selectors.evaluation_for_case(case)
    if evaluation is None or not scope.can_see(user, evaluation, selectors.EVALUATION_SCOPE):
        raise NotFound("该办件尚无评价", code="evaluation_not_found")
    return _evaluation(_reload(evaluation.pk))


@router.post(
    "/items/{code}", response={201: EvaluationOut, **ERRORS}, summary="Evaluate an item without a case (事项评价)"
)
def evaluate_item(request, code: str, payload: SubjectEvaluationIn):
    item = ServiceItem.objects.filter(code=code, status=ServiceItem.Status.PUBLISHED).first()
    if item is None:
        raise NotFound("未找到该事项", code="item_not_found")
    evaluation = services.evaluate_item(
        actor=request.auth,
        item=item,
        level=payload.level,
        indicators=payload.indicators,
        comment=payload.comment,
        applicant_id=payload.applicant_id,
    )
    return 201, _evaluation(_reload(evaluation.pk))


@router.post(
    "/staff/{user_id}",
    response={201: EvaluationOut, **ERRORS},
    summary="Evaluate a staff member's service without a case (window indicators)",
)
def evaluate_staff(request, user_id: int, payload: SubjectEvaluationIn):
    staff = User.objects.filter(pk=user_id).first()
    if staff is None:
        raise NotFound("未找到该工作人员", code="staff_not_found")
    evaluation = services.evaluate_staff(
        actor=request.auth,
        staff=staff,
        level=payload.level,
        indicators=payload.indicators,
        comment=payload.comment,
        applicant_id=payload.applicant_id,
    )
    return 201, _evaluation(_reload(evaluation.pk))


@router.get(
    "", response={200: list[EvaluationOut], **ERRORS}, summary="Evaluations in the caller's staff scope (newest first)"
)
def staff_evaluations(request, bad: bool = False, limit: int = Query(100, ge=1, le=500)):
    qs = selectors.staff_evaluations(request.auth).select_related("follow_up")
    if bad:
        qs = qs.filter(level__lte=2)
    return [_evaluation(e) for e in qs[:limit]]


@router.get("/mine", response={200: list[EvaluationOut], **ERRORS}, summary="The caller's evaluations (newest first)")
def my_evaluations(request, limit: int = Query(50, ge=1, le=200)):
    return [_evaluation(e) for e in selectors.mine(request.auth)[:limit]]


@router.post(
    "/{evaluation_id}/follow-up", response={201: EvaluationOut, **ERRORS}, summary="Add the one follow-up (追评)"
)
def follow_up(request, evaluation_id: int, payload: FollowUpIn):
    evaluation = selectors.mine(request.auth).filter(pk=evaluation_id).first()
    if evaluation is None:
        raise NotFound("未找到该评价", code="evaluation_not_found")
    services.follow_up_add(actor=request.auth, evaluation=evaluation, comment=payload.comment)
    return 201, _evaluation(_reload(evaluation.pk))


# --------------------------------------------------------------------------- callbacks and rectification


@router.get("/tasks", response={200: list[TaskOut], **ERRORS}, summary="Callback tasks in the caller's scope (staff)")
def tasks(request, state: CallbackTask.State | None = None, limit: int = Query(100, ge=1, le=500)):
    return [_task(t, request.auth) for t in selectors.staff_tasks(request.auth, state=state)[:limit]]


@router.get("/tasks/{task_id}", response={200: TaskOut, **ERRORS}, summary="One callback task")
def task(request, task_id: int):
    return _task(selectors.task_for(request.auth, task_id), request.auth)


@router.post("/tasks/{task_id}/callback", response={201: TaskOut, **ERRORS}, summary="Record a callback attempt (回访)")
def record_callback(request, task_id: int, payload: CallbackIn):
    found = selectors.task_for(request.auth, task_id)
    services.callback_record(
        actor=request.auth, task=found, method=payload.method, outcome=payload.outcome, summary=payload.summary
    )
    return 201, _task(selectors.task_for(request.auth, task_id), request.auth)


@router.post(
    "/tasks/{task_id}/rectification", response={201: TaskOut, **ERRORS}, summary="Record the rectification (整改)"
)
def record_rectification(request, task_id: int, payload: RectificationIn):
    found = selectors.task_for(request.auth, task_id)
    services.rectification_record(
        actor=request.auth,
        task=found,
        cause=payload.cause,
        measures=payload.measures,
        responsible_staff_id=payload.responsible_staff_id,
        accountability=payload.accountability,
    )
    return 201, _task(selectors.task_for(request.auth, task_id), request.auth)


@router.post("/tasks/{task_id}/close", response={200: TaskOut, **ERRORS}, summary="Close the task; tells the applicant")
def close(request, task_id: int, payload: CloseIn):
    found = selectors.task_for(request.auth, task_id)
    services.task_close(actor=request.auth, task=found, note=payload.note)
    return _task(selectors.task_for(request.auth, task_id), request.auth)


@router.post(
    "/tasks/{task_id}/response",
    response={200: TaskOut, **ERRORS},
    summary="The applicant confirms or contests the rectification (contest reopens it)",
)
def respond(request, task_id: int, payload: ResponseIn):
    found = selectors.task_for(request.auth, task_id)
    services.applicant_respond(actor=request.auth, task=found, confirm=payload.confirm, comment=payload.comment)
    return _task(selectors.task_for(request.auth, task_id), request.auth)


# --------------------------------------------------------------------------- public


def _rate(r: selectors.Rate) -> dict:
    return {"name": r.name, "code": r.code, "total": r.total, "good": r.good, "bad": r.bad, "rate": r.percent}


@router.get("/public", response={200: PublicOut}, auth=None, summary="Public satisfaction figures (no personal data)")
def public(request):
    return {
        "total": _rate(selectors.public_totals()),
        "departments": [_rate(r) for r in selectors.public_department_rates()],
        "items": [_rate(r) for r in selectors.public_item_rates()],
    }
