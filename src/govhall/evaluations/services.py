"""Every change of the evaluation system. Evaluations are only ever created here (no
update, no delete); callback tasks move only through the steps below, each of which
refuses to run without the record the previous one left (凡不满必回访、凡问题必整改).

Refusals are ``DomainError`` subclasses with a code the API documents and a Chinese
message pages show as is.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import Applicant, User, Window
from govhall.accounts.roles import Role
from govhall.cases import selectors as case_selectors
from govhall.cases import services as case_services
from govhall.cases.events import register_kind
from govhall.cases.models import Case, State, TimelineEvent
from govhall.catalog.models import ServiceItem
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound
from govhall.evaluations import config, selectors
from govhall.evaluations.models import (
    BAD_LEVELS,
    CHANNEL_INDICATORS,
    INDICATORS,
    CallbackRecord,
    CallbackTask,
    Channel,
    Evaluation,
    EvaluatorDevice,
    FollowUp,
    Level,
    Rectification,
    Subject,
)
from govhall.workdays.selectors import get_calendar

EVALUATED = register_kind("evaluations.evaluated", "申请人评价")

# States in which a case has concluded (办结): it invites its evaluation online and by SMS.
# 办结出件 (issued, then delivered), 不予许可 (denied) and 不予受理 (rejected) conclude a case;
# withdrawn and revoked ones are not evaluated (the applicant ended it, or a later decision did).
CONCLUDED = (State.ISSUED, State.DELIVERED, State.DENIED, State.REJECTED)
# The workflow actions that conclude a case and send the invitation (a delivery follows an
# issue, whose invitation was sent already).
INVITING_ACTIONS = ("issue", "deny", "reject")
# At the window the applicant evaluates the service just received: any state past the
# submission (受理, 补正告知, 出件…) except a withdrawn or revoked case.
WINDOW_STATES = tuple(s for s in State.values if s not in (State.DRAFT, State.WITHDRAWN, State.REVOKED))

MAX_COMMENT = 500
SECRET_BYTES = 32


# --------------------------------------------------------------------------- checks


def _level(value: Any) -> Level:
    try:
        return Level(int(value))
    except (TypeError, ValueError):
        raise DomainError(
            "评价等级应为 1–5（5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意）",
            code="invalid_level",
            detail={"level": "1–5"},
        ) from None


def _indicators(indicator_set: str, given: Any) -> dict[str, int]:
    """Every indicator of the set rated 1–5, nothing else."""
    expected = INDICATORS[indicator_set]
    if not isinstance(given, dict):
        raise DomainError("分项评价应为“指标 → 等级”的对象", code="invalid_indicators")
    errors: dict[str, str] = {}
    clean: dict[str, int] = {}
    for code, label in expected.items():
        if code not in given or given[code] in (None, ""):
            errors[code] = f"请评价“{label}”"
            continue
        try:
            clean[code] = Level(int(given[code])).value
        except (TypeError, ValueError):
            errors[code] = f"“{label}”的等级应为 1–5"
    for code in given:
        if code not in expected:
            errors[str(code)[:40]] = "不是本渠道的评价指标"
    if errors:
        raise DomainError(
            "分项评价不完整或有误：" + "；".join(errors.values()), code="invalid_indicators", detail=errors
        )
    return clean


def _comment(level: Level, comment: Any) -> str:
    text = (comment or "").strip() if isinstance(comment, str) or comment is None else None
    if text is None:
        raise DomainError("文字评价应为文字", code="invalid_comment")
    if len(text) > MAX_COMMENT:
        raise DomainError(f"文字评价不超过{MAX_COMMENT}字", code="invalid_comment", detail={"comment": "过长"})
    if level in BAD_LEVELS and len(text) < 2:
        raise DomainError(
            "选择“不满意”或“非常不满意”时，请写明不满意的原因，便于部门回访整改",
            code="comment_required",
            detail={"comment": "差评须说明原因"},
        )
    return text


def handlers(case: Case) -> set[int]:
    """The staff who handled ``case``: whoever acted on its timeline as staff, and its
    filer when a staff member filed it (a clerk's intake)."""
    ids = set(
        TimelineEvent.objects.filter(case=case, actor__isnull=False)
        .exclude(actor_role__in=("applicant", "system", ""))
        .values_list("actor_id", flat=True)
    )
    if scope.staff_role(case.filed_by) is not None:
        ids.add(case.filed_by_id)
    return ids


def evaluation_refusal(user: User | None, case: Case, *, at_window: bool = False) -> DomainError | None:
    """Why ``case`` cannot be evaluated now (by ``user``, the signed-in evaluator; None at
    the window evaluator screen), or None."""
    if Evaluation.objects.filter(case=case).exists():
        return Conflict("该办件已评价，每件办件只能评价一次（可在期限内追评）", code="already_evaluated")
    if at_window:
        if case.state not in WINDOW_STATES:
            return Conflict("该办件当前状态不能评价", code="not_evaluable")
    else:
        if case.state not in CONCLUDED:
            return Conflict("办件办结后才能评价", code="not_concluded")
        concluded = case.closed_at or case.issued_at or case.decided_at or case.updated_at
        days = config.number("GOVHALL_EVALUATION_WINDOW_DAYS")
        if concluded and timezone.now() - concluded > datetime.timedelta(days=days):
            return Conflict(f"办结已超过{days}天，评价通道已关闭", code="evaluation_closed")
    if user is not None:
        if user.pk in handlers(case):
            return Forbidden("工作人员不能评价自己经办的办件", code="own_case")
        if not scope.acts_for(user, case.applicant):
            return Forbidden("只有办件的申请人（或企业经办人）可以评价该办件", code="not_applicant")
    elif case.applicant.user_id and case.applicant.user_id in handlers(case):
        return Forbidden("工作人员不能评价自己经办的办件", code="own_case")
    return None


def _applicant_users(applicant: Applicant) -> set[int]:
    ids = set(scope.operator_user_ids(applicant))
    if applicant.user_id:
        ids.add(applicant.user_id)
    return ids


def _notify(**kwargs) -> None:
    from govhall.notify.services import notification_send

    notification_send(**kwargs)


def _today() -> datetime.date:
    return timezone.localdate()


# --------------------------------------------------------------------------- evaluating


# 事项评价 and 工作人员评价 have no case to make them one per service: one a day per applicant
# and item or staff member, so a grudge cannot become a hundred callback tasks.
_ONCE_A_DAY = {Subject.ITEM: ("item", "该事项"), Subject.STAFF: ("staff", "该工作人员")}


def _once_a_day(fields: dict) -> None:
    found = _ONCE_A_DAY.get(fields["subject"])
    if found is None:
        return
    target, name = found
    applicant = fields["applicant"]
    Applicant.objects.select_for_update().filter(pk=applicant.pk).first()  # two posts at once: one waits
    start = timezone.make_aware(datetime.datetime.combine(_today(), datetime.time.min))
    same = {"subject": fields["subject"], "applicant": applicant, target: fields[target], "created_at__gte": start}
    if Evaluation.objects.filter(**same).exists():
        raise Conflict(f"您今天已评价过{name}，每天可评价一次", code="already_evaluated_today")


@transaction.atomic
def _create(**fields) -> Evaluation:
    _once_a_day(fields)
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(**fields)
    except IntegrityError:
        raise Conflict("该办件已评价，每件办件只能评价一次（可在期限内追评）", code="already_evaluated") from None
    if evaluation.is_bad:
        _open_task(evaluation)
    return evaluation


def _open_task(evaluation: Evaluation) -> CallbackTask:
    due = get_calendar().add_workdays(_today(), config.number("GOVHALL_EVALUATION_CALLBACK_DAYS"))
    task = CallbackTask.objects.create(
        evaluation=evaluation, applicant=evaluation.applicant, department=evaluation.department, callback_due=due
    )
    staff = selectors.answering_staff(evaluation.department_id)
    if staff:
        _notify(
            event="evaluations.callback_opened",
            text=f"收到一条{evaluation.get_level_display()}评价，请于{due:%Y年%m月%d日}前完成回访。",
            user_ids=staff,
            case_number=evaluation.case.number if evaluation.case_id else "",
        )
    return task


def evaluate_case(
    *,
    actor: User,
    case: Case,
    level: Any,
    indicators: Any,
    comment: Any = "",
    channel: str = Channel.PC,
) -> Evaluation:
    """The case's applicant evaluates it online (办件页面 PC/APP, 短信链接 SMS)."""
    if channel not in (Channel.PC, Channel.APP, Channel.SMS):
        raise DomainError("在线评价的渠道应为 PC、APP 或 SMS", code="invalid_channel")
    if not case_selectors.can_see(actor, case):
        raise NotFound("未找到该办件", code="case_not_found")
    refusal = evaluation_refusal(actor, case)
    if refusal is not None:
        raise refusal
    return _case_evaluation(
        actor=actor, case=case, level=level, indicators=indicators, comment=comment, channel=channel
    )


def _case_evaluation(*, actor, case, level, indicators, comment, channel, window=None, staff=None) -> Evaluation:
    level = _level(level)
    indicator_set = CHANNEL_INDICATORS[channel]
    clean = _indicators(indicator_set, indicators)
    text = _comment(level, comment)
    with transaction.atomic():
        evaluation = _create(
            subject=Subject.CASE,
            case=case,
            item=case.item,
            department_id=case.department_id,
            hall_id=case.hall_id if window is None else window.hall_id,
            window=window or case.intake_window,
            staff=staff,
            applicant=case.applicant,
            evaluator=actor,
            channel=channel,
            level=level,
            indicator_set=indicator_set,
            indicators=clean,
            comment=text,
            case_state=case.state,
        )
        case_services.case_note(
            case=case,
            actor=actor,
            kind=EVALUATED,
            comment=f"{Channel(channel).label}：{level.label}",
            data={"evaluation_id": evaluation.pk, "level": level.value, "channel": channel},
            by="" if actor else "evaluations.window_screen",
        )
    return evaluation


def evaluate_item(
    *, actor: User, item: ServiceItem, level: Any, indicators: Any, comment: Any = "", applicant_id: int | None = None
) -> Evaluation:
    """An item-level evaluation without a case (事项评价), by a signed-in applicant."""
    if item.status != ServiceItem.Status.PUBLISHED:
        raise NotFound("未找到该事项", code="item_not_found")
    applicant = _evaluating_applicant(actor, applicant_id)
    level = _level(level)
    clean = _indicators(CHANNEL_INDICATORS[Channel.PC], indicators)
    text = _comment(level, comment)
    return _create(
        subject=Subject.ITEM,
        item=item,
        department_id=item.department_id,
        applicant=applicant,
        evaluator=actor,
        channel=Channel.PC,
        level=level,
        indicator_set=CHANNEL_INDICATORS[Channel.PC],
        indicators=clean,
        comment=text,
    )


def evaluate_staff(
    *, actor: User, staff: User, level: Any, indicators: Any, comment: Any = "", applicant_id: int | None = None
) -> Evaluation:
    """A staff-level evaluation without a case (一次一评 of the service received), by a
    signed-in applicant; on the window indicators. Nobody evaluates themselves."""
    profile = scope.staff_profile(staff)
    if profile is None or profile.role not in (Role.CLERK, Role.REVIEWER, Role.CHIEF_APPROVER):
        raise NotFound("未找到该工作人员", code="staff_not_found")
    if staff.pk == actor.pk:
        raise Forbidden("工作人员不能评价自己", code="own_case")
    # a general window's clerk belongs to no line department: the body running the hall answers
    department_id = profile.department_id or (profile.hall.department_id if profile.hall_id else None)
    if department_id is None:
        raise DomainError("该工作人员未归属部门，所在大厅也未设置管理机构，暂无法评价", code="staff_without_department")
    applicant = _evaluating_applicant(actor, applicant_id)
    level = _level(level)
    clean = _indicators(CHANNEL_INDICATORS[Channel.PJQ], indicators)
    text = _comment(level, comment)
    return _create(
        subject=Subject.STAFF,
        department_id=department_id,
        hall_id=profile.hall_id,
        window_id=profile.window_id,
        staff=staff,
        applicant=applicant,
        evaluator=actor,
        channel=Channel.PC,
        level=level,
        indicator_set=CHANNEL_INDICATORS[Channel.PJQ],
        indicators=clean,
        comment=text,
    )


def _evaluating_applicant(actor: User, applicant_id: int | None) -> Applicant:
    own = scope.represented(actor)
    if applicant_id is not None:
        found = next((a for a in own if a.pk == applicant_id), None)
        if found is None:
            raise NotFound("未找到该申请人", code="applicant_not_found")
        return found
    if not own:
        raise Forbidden("请以实名认证的申请人账户评价", code="not_applicant")
    return own[0]


@transaction.atomic
def follow_up_add(*, actor: User, evaluation: Evaluation, comment: Any) -> FollowUp:
    """追评: once, by the evaluating applicant's side, within the configured days."""
    evaluation = Evaluation.objects.select_for_update().select_related("applicant").get(pk=evaluation.pk)
    if not scope.acts_for(actor, evaluation.applicant):
        raise NotFound("未找到该评价", code="evaluation_not_found")
    days = config.number("GOVHALL_EVALUATION_FOLLOW_UP_DAYS")
    if timezone.now() - evaluation.created_at > datetime.timedelta(days=days):
        raise Conflict(f"追评须在评价后{days}天内提交", code="follow_up_closed")
    if FollowUp.objects.filter(evaluation=evaluation).exists():
        raise Conflict("每条评价只能追评一次", code="already_followed_up")
    text = (comment or "").strip() if isinstance(comment, str) else ""
    if not 2 <= len(text) <= MAX_COMMENT:
        raise DomainError(f"追评内容应为 2–{MAX_COMMENT} 字", code="invalid_comment")
    try:
        with transaction.atomic():
            return FollowUp.objects.create(evaluation=evaluation, comment=text, created_by=actor)
    except IntegrityError:
        raise Conflict("每条评价只能追评一次", code="already_followed_up") from None


# --------------------------------------------------------------------------- invitation


def invite(case_id: int, event_id: int) -> bool:
    """Tell the applicant the concluded case may be evaluated: an in-site message and an SMS
    carrying the link. Once per case (an event delivered again sends nothing)."""
    from govhall.notify.models import Notification

    case = Case.objects.select_related("applicant").get(pk=case_id)
    if case.state not in CONCLUDED or Evaluation.objects.filter(case=case).exists():
        return False
    if Notification.objects.filter(event="evaluations.invitation", case_number=case.number).exists():
        return False
    from django.conf import settings

    link = settings.SITE_URL + reverse("evaluations:case", args=[case.number]) + "?c=SMS"
    _notify(
        event="evaluations.invitation",
        text=f"您的办件{case.number}已办结，请对本次服务作出评价（好差评）：{link}",
        user_ids=_applicant_users(case.applicant),
        phone=case.applicant.phone,
        case_number=case.number,
    )
    return True


# --------------------------------------------------------------------------- callbacks and rectification


def _department_actor(actor: User, task: CallbackTask) -> None:
    """Only who answers for the task's department acts on it (``selectors.answers_for``)."""
    if not selectors.answers_for(actor, task.department_id):
        if can_see_task(actor, task):
            raise Forbidden(
                "只有责任部门的审查员、首席审批员（综合窗口的评价：大厅管理员）可以办理回访整改", code="not_department"
            )
        raise NotFound("未找到该回访任务", code="task_not_found")


def can_see_task(user: User, task: CallbackTask) -> bool:
    from govhall.evaluations.selectors import TASK_SCOPE

    return scope.can_see(user, task, TASK_SCOPE)


def _locked(task: CallbackTask) -> CallbackTask:
    return (
        CallbackTask.objects.select_for_update().select_related("evaluation", "evaluation__applicant").get(pk=task.pk)
    )


def _state(task: CallbackTask, expected: str, message: str) -> None:
    if task.state != expected:
        raise Conflict(
            f"{message}（当前状态：{task.get_state_display()}）",
            code="wrong_task_state",
            detail={"state": task.state, "expected": expected},
        )


def _text(value: Any, field: str, label: str, *, minimum: int = 4, maximum: int = 2000) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if len(text) < minimum:
        raise DomainError(f"请填写{label}（至少{minimum}字）", code="record_required", detail={field: "必填"})
    if len(text) > maximum:
        raise DomainError(f"{label}不超过{maximum}字", code="invalid_record", detail={field: "过长"})
    return text


@transaction.atomic
def callback_record(*, actor: User, task: CallbackTask, method: Any, outcome: Any, summary: Any) -> CallbackRecord:
    """回访: record one attempt. Reached (or declined) moves the task on to rectification, as
    does the last allowed unreachable attempt; the rectification's due date starts then."""
    task = _locked(task)
    _department_actor(actor, task)
    _state(task, CallbackTask.State.PENDING_CALLBACK, "只有待回访的任务可以登记回访")
    if method not in CallbackRecord.Method.values:
        raise DomainError("回访方式不正确", code="invalid_record", detail={"method": CallbackRecord.Method.values})
    if outcome not in CallbackRecord.Outcome.values:
        raise DomainError("回访结果不正确", code="invalid_record", detail={"outcome": CallbackRecord.Outcome.values})
    text = _text(summary, "summary", "回访情况")
    record = CallbackRecord.objects.create(task=task, method=method, outcome=outcome, summary=text, recorded_by=actor)
    attempts = task.callbacks.filter(outcome=CallbackRecord.Outcome.UNREACHABLE).count()
    if outcome != CallbackRecord.Outcome.UNREACHABLE or attempts >= config.number(
        "GOVHALL_EVALUATION_CALLBACK_ATTEMPTS"
    ):
        task.state = CallbackTask.State.PENDING_RECTIFICATION
        task.rectification_due = get_calendar().add_workdays(
            _today(), config.number("GOVHALL_EVALUATION_RECTIFICATION_DAYS")
        )
        task.save(update_fields=["state", "rectification_due", "updated_at"])
    return record


@transaction.atomic
def rectification_record(
    *,
    actor: User,
    task: CallbackTask,
    cause: Any,
    measures: Any,
    responsible_staff_id: int | None = None,
    accountability: Any = "",
) -> Rectification:
    """整改: what was done and why it went wrong. A fault traced to a staff member names them
    and what was done about it (追责), which stays on record."""
    task = _locked(task)
    _department_actor(actor, task)
    _state(task, CallbackTask.State.PENDING_RECTIFICATION, "须先完成回访，才能登记整改")
    if not task.callbacks.exists():
        raise Conflict("须先完成回访，才能登记整改", code="callback_missing")
    if cause not in Rectification.Cause.values:
        raise DomainError("整改原因不正确", code="invalid_record", detail={"cause": Rectification.Cause.values})
    text = _text(measures, "measures", "整改措施")
    responsible = None
    note = ""
    if cause == Rectification.Cause.STAFF:
        if not responsible_staff_id:
            raise DomainError(
                "原因为工作人员的，须指明责任人", code="record_required", detail={"responsible_staff_id": "必填"}
            )
        responsible = User.objects.filter(pk=responsible_staff_id, staff_profile__isnull=False).first()
        if responsible is None:
            raise DomainError("责任人应为工作人员", code="invalid_record", detail={"responsible_staff_id": "不存在"})
        note = _text(accountability, "accountability", "追责处理情况")
    elif responsible_staff_id:
        raise DomainError(
            "只有原因为工作人员时才登记责任人", code="invalid_record", detail={"responsible_staff_id": "不适用"}
        )
    round_ = task.rectifications.count() + 1
    rectification = Rectification.objects.create(
        task=task,
        round=round_,
        cause=cause,
        measures=text,
        responsible_staff=responsible,
        accountability=note,
        recorded_by=actor,
        overdue=bool(task.rectification_due and _today() > task.rectification_due),
    )
    task.state = CallbackTask.State.RECTIFIED
    task.save(update_fields=["state", "updated_at"])
    return rectification


@transaction.atomic
def task_close(*, actor: User, task: CallbackTask, note: Any) -> CallbackTask:
    """办结: only after the callback and this round's rectification are on record; the
    applicant is told and may confirm or contest."""
    task = _locked(task)
    _department_actor(actor, task)
    _state(task, CallbackTask.State.RECTIFIED, "须先完成回访和整改，才能办结")
    if not task.callbacks.exists():
        raise Conflict("没有回访记录，不能办结", code="callback_missing")
    if task.rectifications.count() < task.reopened_count + 1:
        raise Conflict("本轮没有整改记录，不能办结", code="rectification_missing")
    task.closing_note = _text(note, "note", "办结说明")
    task.state = CallbackTask.State.CLOSED
    task.closed_at = timezone.now()
    task.closed_by = actor
    task.applicant_response = CallbackTask.Response.NONE
    task.applicant_responded_at = None
    task.save()
    evaluation = task.evaluation
    case_number = evaluation.case.number if evaluation.case_id else ""
    from django.conf import settings

    link = settings.SITE_URL + reverse("evaluations:mine")
    _notify(
        event="evaluations.rectified",
        text=(
            f"您对{case_number or '我们服务'}的评价已回访整改办结：{task.closing_note[:60]}。"
            f"如有异议可在“我的评价”中提出：{link}"
        ),
        user_ids=_applicant_users(evaluation.applicant),
        phone=evaluation.applicant.phone,
        case_number=case_number,
    )
    return task


@transaction.atomic
def applicant_respond(*, actor: User, task: CallbackTask, confirm: bool, comment: Any = "") -> CallbackTask:
    """The applicant confirms the rectification, or contests it (the task goes back to
    rectification with a new due date, and the department is told)."""
    task = _locked(task)
    if not scope.acts_for(actor, task.evaluation.applicant):
        raise NotFound("未找到该回访任务", code="task_not_found")
    _state(task, CallbackTask.State.CLOSED, "整改办结后才能确认或提出异议")
    if task.applicant_response:
        raise Conflict("您已对本次整改作出答复", code="already_responded")
    task.applicant_responded_at = timezone.now()
    if confirm:
        task.applicant_response = CallbackTask.Response.CONFIRMED
        task.save(update_fields=["applicant_response", "applicant_responded_at", "updated_at"])
        return task
    reason = _text(comment, "comment", "异议理由", minimum=2, maximum=MAX_COMMENT)
    task.applicant_response = CallbackTask.Response.CONTESTED
    task.state = CallbackTask.State.PENDING_RECTIFICATION
    task.reopened_count += 1
    task.rectification_due = get_calendar().add_workdays(
        _today(), config.number("GOVHALL_EVALUATION_RECTIFICATION_DAYS")
    )
    task.closing_note = f"{task.closing_note}\n【申请人异议】{reason}"
    task.save()
    staff = selectors.answering_staff(task.department_id)
    if staff:
        _notify(
            event="evaluations.contested",
            text=f"申请人对整改结果提出异议，请于{task.rectification_due:%Y年%m月%d日}前重新整改：{reason[:60]}",
            user_ids=staff,
        )
    return task


# --------------------------------------------------------------------------- window evaluator (评价器)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _hall_manager(actor: User, window: Window) -> None:
    role = scope.staff_role(actor)
    if role == Role.ADMINISTRATOR:
        return
    profile = scope.staff_profile(actor)
    if role != Role.HALL_MANAGER or profile is None or profile.hall_id != window.hall_id:
        raise Forbidden("只有本大厅的管理员可以配置窗口评价器", code="not_hall_manager")


@transaction.atomic
def device_pair(*, actor: User, window: Window, name: str = "") -> tuple[EvaluatorDevice, str]:
    """A new evaluator screen for ``window``: returns the device and its secret (shown once,
    only its hash is kept). A window has one live screen: an earlier one is revoked."""
    _hall_manager(actor, window)
    now = timezone.now()
    EvaluatorDevice.objects.filter(window=window, revoked_at__isnull=True).update(revoked_at=now, case=None)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    device = EvaluatorDevice.objects.create(
        window=window,
        name=(name or "")[:50] or f"{window.code}号窗口评价器",
        secret_hash=_hash(secret),
        created_by=actor,
    )
    return device, secret


@transaction.atomic
def device_revoke(*, actor: User, device: EvaluatorDevice) -> EvaluatorDevice:
    _hall_manager(actor, device.window)
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.case = None
        device.save(update_fields=["revoked_at", "case"])
    return device


def device_for_secret(secret: str | None) -> EvaluatorDevice | None:
    """The live device a secret pairs, or None (an unknown, malformed or revoked secret)."""
    if not secret or not isinstance(secret, str) or len(secret) > 100:
        return None
    return (
        EvaluatorDevice.objects.select_related("window", "window__hall")
        .filter(secret_hash=_hash(secret), revoked_at__isnull=True)
        .first()
    )


def window_device(user: User) -> EvaluatorDevice | None:
    profile = scope.staff_profile(user)
    if profile is None or not profile.window_id:
        return None
    return EvaluatorDevice.objects.filter(window_id=profile.window_id, revoked_at__isnull=True).first()


@transaction.atomic
def screen_request(*, actor: User, case: Case) -> EvaluatorDevice:
    """The clerk serving ``case`` asks the applicant to evaluate on the window's screen."""
    if not case_selectors.can_see(actor, case) or scope.staff_role(actor) != Role.CLERK:
        if scope.staff_role(actor) is not None and case_selectors.can_see(actor, case):
            raise Forbidden("只有窗口受理员可以请申请人评价", code="not_clerk")
        raise NotFound("未找到该办件", code="case_not_found")
    device = window_device(actor)
    if device is None:
        raise Conflict("本窗口尚未配置评价器，请联系大厅管理员", code="no_evaluator")
    refusal = evaluation_refusal(None, case, at_window=True)
    if refusal is not None:
        raise refusal
    device = EvaluatorDevice.objects.select_for_update().get(pk=device.pk)
    device.case = case
    device.requested_by = actor
    device.requested_at = timezone.now()
    device.save(update_fields=["case", "requested_by", "requested_at"])
    return device


def screen_case(device: EvaluatorDevice) -> Case | None:
    """The case waiting on the screen, if the request is still fresh and not evaluated."""
    if device.case_id is None or device.requested_at is None:
        return None
    minutes = config.number("GOVHALL_EVALUATION_SCREEN_MINUTES")
    if timezone.now() - device.requested_at > datetime.timedelta(minutes=minutes):
        return None
    case = Case.objects.select_related("item", "applicant", "department").filter(pk=device.case_id).first()
    if case is None or Evaluation.objects.filter(case=case).exists():
        return None
    return case


@transaction.atomic
def screen_submit(
    *, device: EvaluatorDevice, case_id: Any, level: Any, indicators: Any, comment: Any = ""
) -> Evaluation:
    """The applicant evaluates at the window (channel PJQ). The form names the case it was
    shown for: a screen that moved on to another case refuses the stale form."""
    device = EvaluatorDevice.objects.select_for_update().select_related("window").get(pk=device.pk)
    if device.revoked_at is not None:
        raise Forbidden("该评价器已停用", code="device_revoked")
    case = screen_case(device)
    if case is None or str(case.pk) != str(case_id):
        raise Conflict("当前没有待评价的办件，或评价已超时，请窗口工作人员重新发起", code="no_case_on_screen")
    refusal = evaluation_refusal(None, case, at_window=True)
    if refusal is not None:
        raise refusal
    evaluation = _case_evaluation(
        actor=None,
        case=case,
        level=level,
        indicators=indicators,
        comment=comment,
        channel=Channel.PJQ,
        window=device.window,
        staff=device.requested_by,
    )
    device.case = None
    device.save(update_fields=["case"])
    return evaluation


def screen_seen(device: EvaluatorDevice) -> None:
    EvaluatorDevice.objects.filter(pk=device.pk).update(last_seen_at=timezone.now())


# --------------------------------------------------------------------------- reporting (上报)


def report_pending(*, limit: int = 500) -> dict[str, int]:
    """Send every evaluation not yet reported successfully, oldest first, through the
    configured reporter, then every follow-up (追评) made after its evaluation was reported;
    record each attempt (what, when, result, payload hash). Nothing once sent is sent again
    (a partial unique index says so too); a failed one is tried again on the next run.
    Returns {"sent", "failed"}."""
    from govhall.evaluations.models import ReportRecord
    from govhall.evaluations.providers import registry

    reporter = registry.configured()
    done = {"sent": 0, "failed": 0}

    def reported(kind: str, ref: str = "pk") -> Exists:
        return Exists(
            ReportRecord.objects.filter(evaluation_id=OuterRef(ref), kind=kind, status=ReportRecord.Status.SENT)
        )

    evaluations = (
        Evaluation.objects.filter(~reported(ReportRecord.Kind.EVALUATION))
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in list(evaluations):
        _report_one(reporter, pk, ReportRecord.Kind.EVALUATION, done)
    follow_ups = (
        FollowUp.objects.filter(
            reported(ReportRecord.Kind.EVALUATION, "evaluation_id"),
            ~reported(ReportRecord.Kind.FOLLOW_UP, "evaluation_id"),
        )
        .order_by("created_at", "id")
        .values_list("evaluation_id", flat=True)[:limit]
    )
    for pk in list(follow_ups):
        _report_one(reporter, pk, ReportRecord.Kind.FOLLOW_UP, done)
    return done


def _report_one(reporter, pk: int, kind: str, done: dict[str, int]) -> None:
    from govhall.core.httpjson import ServiceError
    from govhall.evaluations import national
    from govhall.evaluations.models import ReportRecord

    with transaction.atomic():
        evaluation = (
            Evaluation.objects.select_for_update(of=("self",))
            .select_related("case", "item", "department__region", "applicant", "follow_up")
            .filter(pk=pk)
            .first()
        )
        if evaluation is None or evaluation.reports.filter(status=ReportRecord.Status.SENT, kind=kind).exists():
            return  # another run got there first
        payload = national.record(evaluation)
        digest = national.payload_hash(payload)
        try:
            receipt = reporter.send(payload)
        except ServiceError as exc:
            ReportRecord.objects.create(
                evaluation=evaluation,
                kind=kind,
                provider=reporter.identifier,
                status=ReportRecord.Status.FAILED,
                payload_sha256=digest,
                detail=str(exc)[:1000],
            )
            done["failed"] += 1
            return
        kinds = [kind]
        if kind == ReportRecord.Kind.EVALUATION and "followUp" in payload:
            kinds.append(ReportRecord.Kind.FOLLOW_UP)  # it went with the evaluation
        for sent_kind in kinds:
            ReportRecord.objects.create(
                evaluation=evaluation,
                kind=sent_kind,
                provider=reporter.identifier,
                status=ReportRecord.Status.SENT,
                payload_sha256=digest,
                detail=receipt[:1000],
            )
        done["sent"] += 1


# --------------------------------------------------------------------------- overdue reminders (催办)


def remind_overdue(today: datetime.date | None = None) -> int:
    """Remind the department of every task past its callback or rectification due date,
    once per stage (a reopened rectification is a new stage). Returns how many were reminded."""
    from django.db.models import Q

    today = today or _today()
    overdue = CallbackTask.objects.filter(
        Q(state=CallbackTask.State.PENDING_CALLBACK, callback_due__lt=today)
        | Q(state=CallbackTask.State.PENDING_RECTIFICATION, rectification_due__lt=today)
    ).select_related("evaluation__case")
    reminded = 0
    for task in overdue:
        stage = f"{task.state}:{task.reopened_count}"
        if task.overdue_reminded == stage:
            continue
        with transaction.atomic():
            locked = CallbackTask.objects.select_for_update().get(pk=task.pk)
            if locked.overdue_reminded == stage or locked.state != task.state:
                continue
            due = (
                locked.callback_due if locked.state == CallbackTask.State.PENDING_CALLBACK else locked.rectification_due
            )
            staff = selectors.answering_staff(locked.department_id)
            if staff:
                _notify(
                    event="evaluations.overdue",
                    text=f"回访整改任务#{locked.pk}（{locked.get_state_display()}）已超过期限{due:%Y年%m月%d日}，请尽快办理。",
                    user_ids=staff,
                    case_number=task.evaluation.case.number if task.evaluation.case_id else "",
                )
            locked.overdue_reminded = stage
            locked.save(update_fields=["overdue_reminded", "updated_at"])
            reminded += 1
    return reminded
