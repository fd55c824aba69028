"""The workflow table: one declared row per action.

A row says everything about an action: from which states and by which roles it may be
taken, its parameters (a pydantic model: the API body's member for this action and the
page form's parse), its guard (``rules``: refuses with a coded error, and decides whether
the action is offered), its effect (``effects``), the state it leads to, the timeline event
it records and its labels (button, done message). ``services.case_transition`` checks and
runs a row; the API, the page forms, the offered actions and the action template are built
from it. Adding an action means one row here, its effect and its tests
(docs/howto-add-an-action.md).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from pydantic import ValidationError

from govhall.cases import effects, params, rules
from govhall.cases.events import EventKind
from govhall.cases.models import Case, State
from govhall.cases.workflow import (
    APPLICANT,
    BEFORE_DECISION,
    CHIEF,
    CLERK,
    DECIDED_FOR,
    REVIEWER,
    SYSTEM,
    UNDER_REVIEW,
)
from govhall.core.errors import Conflict, DomainError, Forbidden

Guard = Callable[[Case, set[str], datetime.date], None]
# What a refused parameter answers: a message (a missing field) or an error built from the
# effect's context (e.g. the extension's ceiling).
Prompt = str | Callable[[effects.Context], DomainError]


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple[State, ...]
    roles: tuple[str, ...]
    effect: Callable[[effects.Context], None]
    button: str  # the form's title and button on the case page
    done: str  # what the page says once it is done
    target: State | None = None  # None: the state stays
    targets: tuple[State, ...] = ()  # states the effect may lead to instead (``Context.target``)
    params: type[params.Params] = params.NoParams
    guard: Guard | None = None
    comment: str = ""  # the comment's label when the action needs one (else it is optional)
    prompts: Mapping[str, Prompt] = field(default_factory=dict)  # answers to refused parameters
    applicant_button: bool = False  # the applicant side takes it with a button of its own
    primary: int = 0  # the staff page opens the offered form with the lowest number first (0: never)
    tone: str = ""  # the form's look on the page: "ok" for a decision in favour, "danger" for one against
    # For page forms that do not post the model's fields one to one (request_correction).
    from_form: Callable[[QueryDict], dict[str, Any]] | None = None

    @property
    def event(self) -> EventKind:
        return ACTION_EVENTS.get(self.name) or EventKind(self.name)

    def next_state(self, ctx: effects.Context, source: str) -> State:
        if ctx.target is not None:
            if ctx.target not in (self.target, *self.targets):
                raise AssertionError(f"{self.name} may not lead to {ctx.target}")
            return ctx.target
        return self.target or State(source)

    def leads_to(self, source: State) -> list[State]:
        return list(dict.fromkeys([self.target or source, *self.targets]))

    def parse(self, raw: Any, ctx: effects.Context) -> params.Params:
        """The checked parameters; a refused one answers with the row's prompt or a coded
        error naming the field (``missing_field``, ``invalid_field``)."""
        if isinstance(raw, self.params):
            return raw
        try:
            return self.params.model_validate(dict(raw or {}))
        except ValidationError as exc:
            raise self._refusal(exc, ctx) from None

    def _refusal(self, exc: ValidationError, ctx: effects.Context) -> DomainError:
        error = exc.errors()[0]
        loc = [str(p) for p in error["loc"] if not isinstance(p, int)]
        name = ".".join(loc)
        prompt = self.prompts.get(name) or self.prompts.get(loc[0] if loc else "")
        if callable(prompt):
            return prompt(ctx)
        missing = error["type"] in ("missing", "string_too_short", "too_short")
        if prompt or missing:
            return DomainError(
                prompt or f"请填写{_title(self.params, loc)}", code="missing_field", detail={"field": name}
            )
        return DomainError(
            f"{_title(self.params, loc)}格式不正确",
            code="invalid_field",
            detail={"field": name, "problem": error["msg"]},
        )


def _title(model: type[params.Params], loc: list[str]) -> str:
    info = model.model_fields.get(loc[0]) if loc else None
    return (info.title if info and info.title else None) or (loc[0] if loc else "参数")


def _correction_form(post: QueryDict) -> dict[str, Any]:
    """一次性告知: rows of (material or 申请表, problem); blank rows are left out."""
    items = []
    for rid, problem in zip(post.getlist("item_requirement"), post.getlist("item_problem"), strict=False):
        if not problem.strip():
            continue
        items.append({"requirement_id": rid, "problem": problem} if rid else {"name": "申请表", "problem": problem})
    return {"items": items}


# The timeline kind of actions whose event is not named after them.
ACTION_EVENTS = {"verify_commitment": EventKind.COMMITMENT_VERIFIED}

# What the rows of one action in different states share.
_SUBMIT: dict[str, Any] = {"done": "申请已提交，等待窗口预审", "applicant_button": True}
_CORRECTION: dict[str, Any] = {
    "params": params.RequestCorrectionParams,
    "prompts": {"items": "请列出需要补正的全部内容（一次性告知）", "items.problem": "每项补正内容都须写明问题"},
    "from_form": _correction_form,
    "button": "一次性告知补正",
    "done": "已一次性告知补正，补正材料通知书已生成",
}

ROWS: list[Action] = [
    Action(
        "submit",
        (State.DRAFT,),
        (APPLICANT, CLERK),
        effects.submit,
        target=State.SUBMITTED,
        button="提交申请",
        **_SUBMIT,
    ),
    # Back from a correction it returns to where the correction was asked: pre-review or review.
    Action(
        "submit",
        (State.CORRECTION_REQUESTED,),
        (APPLICANT, CLERK),
        effects.submit,
        target=State.SUBMITTED,
        targets=(State.ACCEPTED,),
        button="补正后重新提交",
        **_SUBMIT,
    ),
    Action(
        "accept",
        (State.SUBMITTED,),
        (CLERK,),
        effects.accept,
        target=State.ACCEPTED,
        button="受理",
        done="已受理，受理通知书已生成",
        primary=1,
    ),
    Action(
        "accept_with_deferral",
        (State.SUBMITTED,),
        (CLERK,),
        effects.accept_with_deferral,
        target=State.ACCEPTED,
        params=params.AcceptWithDeferralParams,
        guard=rules.deferral_allowed,
        prompts={"deferred": "请选择容缺的材料"},
        button="容缺受理",
        done="已容缺受理，容缺受理补正材料通知书已生成",
    ),
    Action(
        "request_correction",
        (State.SUBMITTED,),
        (CLERK,),
        effects.request_correction,
        target=State.CORRECTION_REQUESTED,
        **_CORRECTION,
    ),
    Action(
        "request_correction",
        (State.ACCEPTED,),
        (REVIEWER, CHIEF),
        effects.request_correction,
        target=State.CORRECTION_REQUESTED,
        **_CORRECTION,
    ),
    Action(
        "reject",
        (State.SUBMITTED, State.CORRECTION_REQUESTED),
        (CLERK,),
        effects.reject,
        tone="danger",
        target=State.REJECTED,
        params=params.RefusalParams,
        button="不予受理",
        done="已作出不予受理决定",
    ),
    Action(
        "suspend",
        (State.ACCEPTED,),
        (REVIEWER, CHIEF),
        effects.suspend,
        target=State.SUSPENDED,
        params=params.SuspendParams,
        button="启动特别程序",
        done="已启动特别程序，计时暂停",
    ),
    Action(
        "resume",
        (State.SUSPENDED,),
        (REVIEWER, CHIEF),
        effects.resume,
        target=State.ACCEPTED,
        button="结束特别程序",
        done="特别程序已结束，恢复计时",
        primary=5,
    ),
    # 延长审批期限 (行政许可法第四十二条): approved by the head of the department, once; the
    # state stays, the limit grows.
    Action(
        "extend",
        UNDER_REVIEW,
        (CHIEF,),
        effects.extend,
        params=params.ExtendParams,
        guard=rules.extendable,
        prompts={"days": effects.invalid_days},
        button="延长审批期限",
        done="已延长办理期限，延长审批期限告知书已生成",
    ),
    # 审查意见: the reviewer recommends a decision to the chief approver (审查 → 决定).
    Action(
        "review",
        (State.ACCEPTED,),
        (REVIEWER,),
        effects.review,
        params=params.ReviewParams,
        comment="审查意见",
        prompts={
            "recommendation": "请选择审查建议：建议准予许可或建议不予许可",
            "points": lambda ctx: DomainError(
                "审查要点编号不正确",
                code="invalid_points",
                detail={"field": "points", "count": len(ctx.case.item.review_points or [])},
            ),
        },
        button="提出审查意见",
        done="审查意见已提交，等待首席审批员决定",
        primary=3,
    ),
    # A clerk decides only instant items (即办件), on the spot: the guard says so.
    Action(
        "approve",
        (State.ACCEPTED,),
        (CHIEF, CLERK),
        effects.approve,
        tone="ok",
        target=State.APPROVED,
        params=params.ApproveParams,
        guard=rules.chief_or_instant,
        button="准予许可",
        done="已作出准予许可决定",
        primary=4,
    ),
    Action(
        "deny",
        (State.ACCEPTED,),
        (CHIEF,),
        effects.deny,
        tone="danger",
        target=State.DENIED,
        params=params.RefusalParams,
        button="不予许可",
        done="已作出不予许可决定",
    ),
    Action(
        "issue",
        (State.APPROVED,),
        (CLERK, REVIEWER, CHIEF),
        effects.issue,
        tone="ok",
        target=State.ISSUED,
        params=params.IssueParams,
        guard=rules.deferrals_settled,
        button="办结出件",
        done="已办结出件",
        primary=6,
    ),
    # The clerk hands the result over (window, mail, electronic); a locker network delivers
    # it itself when the applicant opens the door with the pick-up code (role system).
    Action(
        "deliver",
        (State.ISSUED,),
        (CLERK, SYSTEM),
        effects.deliver,
        target=State.DELIVERED,
        params=params.DeliverParams,
        button="送达",
        done="已送达",
        primary=7,
    ),
    Action(
        "withdraw",
        BEFORE_DECISION,
        (APPLICANT,),
        effects.withdraw,
        tone="danger",
        target=State.WITHDRAWN,
        button="撤回申请",
        done="申请已撤回",
        applicant_button=True,
    ),
    # Before a decision only an overdue deferral justifies revocation: the guard says so.
    Action(
        "revoke",
        (*UNDER_REVIEW, *DECIDED_FOR),
        (CHIEF,),
        effects.revoke,
        tone="danger",
        target=State.REVOKED,
        params=params.RevokeParams,
        guard=rules.revocation_justified,
        button="撤销",
        done="已撤销",
    ),
    # Checking a deferred material that arrived changes no state, only the deferral.
    Action(
        "confirm_deferred",
        (State.ACCEPTED, State.SUSPENDED, State.APPROVED),
        (CLERK, REVIEWER, CHIEF),
        effects.confirm_deferred,
        params=params.ConfirmDeferredParams,
        guard=rules.deferred_received,
        button="核验容缺材料",
        done="容缺材料已核验",
        primary=2,
    ),
    # 告知承诺事后核查: the department's reviewer or chief approver records the check; a
    # failed one recorded by the chief approver revokes at once, recorded by a reviewer it
    # waits for the chief approver's revocation (待撤销).
    Action(
        "verify_commitment",
        DECIDED_FOR,
        (REVIEWER, CHIEF),
        effects.verify_commitment,
        targets=(State.REVOKED,),
        params=params.VerifyCommitmentParams,
        guard=rules.verification_pending,
        comment="核查意见",
        prompts={"passed": "请选择核查结论：核查属实或核查不实"},
        button="告知承诺事后核查",
        done="核查结果已记录",
        primary=8,
    ),
]

# (state, action) -> its row; an action may have different rows in different states
# (request_correction: the clerk at pre-review, the department under review).
TABLE: dict[tuple[str, str], Action] = {}
for _row in ROWS:
    for _source in _row.sources:
        if (_source.value, _row.name) in TABLE:
            raise AssertionError(f"({_source}, {_row.name}) appears twice in the workflow table")
        TABLE[(_source.value, _row.name)] = _row
ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(row.name for row in ROWS))


def row_for(state: str, action: str) -> Action | None:
    return TABLE.get((state, action))


def known(action: str) -> Action:
    """The first row of an action (for what all its rows share: parameters, labels), or the
    ``unknown_action`` error."""
    found = next((row for row in ROWS if row.name == action), None)
    if found is None:
        raise DomainError(f"未知的操作：{action}", code="unknown_action", detail={"allowed": list(ACTIONS)})
    return found


# An app above cases that holds a case for a while (a bundle holds its members' results for
# unified issuance) refuses an action on it through a veto registered here, checked after
# the row's own guard: the row stays the one place that says who may act and from where; a
# veto only says "not now, and why" (decision 0010). A veto answers the error or None.
Veto = Callable[[Case, set[str]], "DomainError | None"]
_VETOES: dict[str, list[Veto]] = {}


def veto(action: str) -> Callable[[Veto], Veto]:
    """Register the decorated function as a veto on ``action`` (an app's ``ready``)."""
    known(action)

    def register(check: Veto) -> Veto:
        listed = _VETOES.setdefault(action, [])
        name = f"{check.__module__}.{check.__qualname__}"
        listed[:] = [c for c in listed if f"{c.__module__}.{c.__qualname__}" != name] + [check]
        return check

    return register


def refusal(case: Case, roles: set[str], action: str, today: datetime.date | None = None) -> DomainError | None:
    """Why ``roles`` may not take ``action`` on ``case`` now (state, role, guard, veto), or None."""
    row = row_for(case.state, action)
    if row is None:
        return Conflict(
            f"办件当前状态为“{case.get_state_display()}”，不能执行此操作",
            code="action_not_allowed",
            detail={"state": case.state, "action": action},
        )
    if not roles & set(row.roles):
        return Forbidden("您的角色无权执行此操作", code="role_not_allowed", detail={"action": action})
    if row.guard is not None:
        try:
            row.guard(case, roles, today or timezone.localdate())
        except DomainError as exc:
            return exc
    for check in _VETOES.get(action, ()):
        vetoed = check(case, roles)
        if vetoed is not None:
            return vetoed
    return None


def offered(case: Case, roles: set[str], today: datetime.date | None = None) -> list[str]:
    """The actions to offer ``roles`` on ``case`` now: the table's, less those whose guard
    refuses (so pages and API clients never see buttons that can only fail)."""
    today = today or timezone.localdate()
    return [
        row.name
        for row in ROWS
        if case.state in row.sources and roles & set(row.roles) and refusal(case, roles, row.name, today) is None
    ]


def mermaid() -> str:
    """The table as a Mermaid state diagram (docs/workflow.md)."""
    lines = ["stateDiagram-v2", "    [*] --> draft"]
    for row in ROWS:
        for source in row.sources:
            for target in row.leads_to(source):
                lines.append(f"    {source.value} --> {target.value}: {row.name} ({', '.join(row.roles)})")
    return "\n".join(lines) + "\n"
