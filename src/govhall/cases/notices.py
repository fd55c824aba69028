"""What the applicant is told when their case moves: the first subscriber to case events.

Runs after the transition commits (``core.events``), reads the case and the transition's
timeline event, and writes the in-site messages and SMS through ``notify``. A failure here
never undoes the transition: it is recorded and retried.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from govhall.accounts import scope
from govhall.cases.events import CaseTransitioned
from govhall.cases.models import Case, Deferral, TimelineEvent
from govhall.catalog.models import DeliveryMode
from govhall.core import events


def _date(value) -> str:
    return f"{value:%Y年%m月%d日}" if value else ""


def _submitted(case: Case, event: TimelineEvent) -> list[tuple[str, str]]:
    if event.from_state != "draft":  # a resubmission after a correction tells nobody anything new
        return []
    return [("case.submitted", f"您的办件{case.number}（{case.item.name}）已提交，等待预审。")]


def _accepted(case: Case, event: TimelineEvent) -> list[tuple[str, str]]:
    return [("case.accepted", f"您的办件{case.number}已受理，承诺办结日期{_date(case.due_date)}。")]


def _accepted_with_deferral(case: Case, event: TimelineEvent) -> list[tuple[str, str]]:
    deferrals = list(
        Deferral.objects.filter(case=case, requirement_id__in=event.data.get("deferred", [])).select_related(
            "requirement"
        )
    )
    due = min((d.due_date for d in deferrals), default=None)
    names = "、".join(d.requirement.name for d in deferrals)
    return [
        *_accepted(case, event),
        ("case.deferral", f"您的办件{case.number}已容缺受理，请于{_date(due)}前补齐：{names}"),
    ]


def _correction(case: Case, event: TimelineEvent) -> list[tuple[str, str]]:
    count = len(event.data.get("items", []))
    return [("case.correction", f"您的办件{case.number}需要补正{count}项内容，请登录查看补正通知书并补正后重新提交。")]


def _refused(kind: str, label: str) -> Callable[[Case, TimelineEvent], list[tuple[str, str]]]:
    def notice(case: Case, event: TimelineEvent) -> list[tuple[str, str]]:
        return [(f"case.{kind}", f"您的办件{case.number}{label}，理由：{case.decision_reason}")]

    return notice


def _extended(case: Case, event: TimelineEvent) -> list[tuple[str, str]]:
    due = event.data.get("due_date")
    when = f"将于{_date(datetime.date.fromisoformat(due))}前作出决定" if due else "办结日期在恢复计时后顺延"
    days, reason = event.data.get("days"), event.comment  # the reason, unless a comment was given
    return [
        (
            "case.extended",
            f"您的办件{case.number}经审批部门负责人批准延长办理期限{days}个工作日，{when}。理由：{reason}",
        )
    ]


def _issued(case: Case, event: TimelineEvent) -> list[tuple[str, str]]:
    return [("case.issued", f"您的办件{case.number}已办结，办理结果：{case.item.result_name}。")]


def _delivered(case: Case, event: TimelineEvent) -> list[tuple[str, str]]:
    mode = DeliveryMode(event.data.get("delivery_mode") or case.delivery_mode or DeliveryMode.WINDOW)
    return [("case.delivered", f"您的办件{case.number}办理结果已送达（{mode.label}）。")]


def _revoked(case: Case, event: TimelineEvent) -> list[tuple[str, str]]:
    if event.to_state != "revoked":  # a check that found nothing wrong, or waits for the chief
        return []
    return [("case.revoked", f"您的办件{case.number}已被撤销，理由：{case.decision_reason}")]


# Workflow action -> the notices it sends (actions not named send none).
NOTICES: dict[str, Callable[[Case, TimelineEvent], list[tuple[str, str]]]] = {
    "submit": _submitted,
    "accept": _accepted,
    "accept_with_deferral": _accepted_with_deferral,
    "request_correction": _correction,
    "reject": _refused("rejection", "不予受理"),
    "deny": _refused("denial", "不予许可"),
    "extend": _extended,
    "issue": _issued,
    "deliver": _delivered,
    "revoke": _revoked,
    "verify_commitment": _revoked,
}


# An app that speaks to the applicant for some cases (a bundle for its member cases: one
# correction notice for the whole bundle, not one per member) registers a function
# ``(case, action) -> bool``; a case stays silent about the actions claimed. Decision 0008.
SpokenFor = Callable[[Case, str], bool]
_spoken_for: list[SpokenFor] = []


def spoken_for(function: SpokenFor) -> SpokenFor:
    if function not in _spoken_for:
        _spoken_for.append(function)
    return function


@events.subscribe(CaseTransitioned, name="cases.applicant_notices")
def applicant_notices(transitioned: CaseTransitioned) -> None:
    build = NOTICES.get(transitioned.action)
    if build is None:
        return
    from govhall.notify.services import notification_send

    case = Case.objects.select_related("applicant", "item").get(pk=transitioned.case_id)
    if any(claims(case, transitioned.action) for claims in _spoken_for):
        return
    event = TimelineEvent.objects.get(pk=transitioned.event_id)
    recipients = set(scope.operator_user_ids(case.applicant))
    if case.applicant.user_id:
        recipients.add(case.applicant.user_id)
    for notice, text in build(case, event):
        notification_send(
            event=notice, text=text, user_ids=recipients, phone=case.applicant.phone, case_number=case.number
        )
