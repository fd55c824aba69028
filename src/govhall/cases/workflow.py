"""The case workflow: one table of (state, action) -> (next state, who may, guard).

``services.case_transition`` is the only code that moves a case; it looks the pair up
here, checks the actor's role and the guard, and does the rest (lock, side effects,
timeline, notifications) in one transaction. docs/workflow.md prints this table.

Roles are the staff roles of ``accounts.roles.Role`` plus ``APPLICANT``: the applicant's
own account, an operator of a legal-person applicant, or the assistant who filed the
case on the applicant's behalf (帮办代办).
"""

from __future__ import annotations

from dataclasses import dataclass

from govhall.accounts.roles import Role
from govhall.cases.models import State

APPLICANT = "applicant"

CLERK = Role.CLERK.value
REVIEWER = Role.REVIEWER.value
CHIEF = Role.CHIEF_APPROVER.value

# States in which the applicant may still withdraw: before any decision.
BEFORE_DECISION = (State.DRAFT, State.SUBMITTED, State.CORRECTION_REQUESTED, State.ACCEPTED, State.SUSPENDED)
# States in which the review clock is running or stopped (after acceptance, before decision).
UNDER_REVIEW = (State.ACCEPTED, State.SUSPENDED)
TERMINAL = (State.REJECTED, State.DENIED, State.DELIVERED, State.WITHDRAWN, State.REVOKED)
# The states where an accepted case is over, one way or another: the clock stops for good.
CLOCK_ENDS = (State.APPROVED, State.DENIED, State.WITHDRAWN, State.REVOKED)

# What a reviewer may recommend to the chief approver (the "review" action).
REVIEW_RECOMMENDATIONS = {"approve": "建议准予许可", "deny": "建议不予许可"}


@dataclass(frozen=True)
class Transition:
    source: State
    action: str
    target: State | None  # None: the target depends on the case (see ``resolve_target``)
    roles: tuple[str, ...]
    label: str  # the button's Chinese text


def _t(sources, action, target, roles, label) -> list[Transition]:
    sources = sources if isinstance(sources, tuple) else (sources,)
    return [Transition(s, action, target, roles, label) for s in sources]


TRANSITIONS: list[Transition] = [
    *_t(State.DRAFT, "submit", State.SUBMITTED, (APPLICANT, CLERK), "提交申请"),
    # Resubmission after a correction goes back to where it was asked: pre-review or review.
    *_t(State.CORRECTION_REQUESTED, "submit", None, (APPLICANT, CLERK), "补正后重新提交"),
    *_t(State.SUBMITTED, "accept", State.ACCEPTED, (CLERK,), "受理"),
    *_t(State.SUBMITTED, "accept_with_deferral", State.ACCEPTED, (CLERK,), "容缺受理"),
    *_t(State.SUBMITTED, "request_correction", State.CORRECTION_REQUESTED, (CLERK,), "一次性告知补正"),
    *_t(State.ACCEPTED, "request_correction", State.CORRECTION_REQUESTED, (REVIEWER, CHIEF), "一次性告知补正"),
    *_t((State.SUBMITTED, State.CORRECTION_REQUESTED), "reject", State.REJECTED, (CLERK,), "不予受理"),
    *_t(State.ACCEPTED, "suspend", State.SUSPENDED, (REVIEWER, CHIEF), "启动特别程序"),
    *_t(State.SUSPENDED, "resume", State.ACCEPTED, (REVIEWER, CHIEF), "结束特别程序"),
    # 延长审批期限 (行政许可法第四十二条): approved by the head of the department, once; the
    # state stays, the limit grows; the guard checks the ceiling and that time is left.
    *_t(UNDER_REVIEW, "extend", None, (CHIEF,), "延长审批期限"),
    # 审查意见: the reviewer recommends a decision to the chief approver (审查 → 决定).
    *_t(State.ACCEPTED, "review", None, (REVIEWER,), "提出审查意见"),
    # A clerk decides only instant items (即办件), on the spot; the guard checks.
    *_t(State.ACCEPTED, "approve", State.APPROVED, (CHIEF, CLERK), "准予许可"),
    *_t(State.ACCEPTED, "deny", State.DENIED, (CHIEF,), "不予许可"),
    *_t(State.APPROVED, "issue", State.ISSUED, (CLERK, REVIEWER, CHIEF), "办结出件"),
    *_t(State.ISSUED, "deliver", State.DELIVERED, (CLERK,), "送达"),
    *_t(BEFORE_DECISION, "withdraw", State.WITHDRAWN, (APPLICANT,), "撤回申请"),
    # Before a decision only an overdue deferral justifies revocation; the guard checks.
    *_t(
        (State.ACCEPTED, State.SUSPENDED, State.APPROVED, State.ISSUED, State.DELIVERED),
        "revoke",
        State.REVOKED,
        (CHIEF,),
        "撤销",
    ),
    # Checking a deferred material that arrived changes no state, only the deferral.
    *_t(
        (State.ACCEPTED, State.SUSPENDED, State.APPROVED),
        "confirm_deferred",
        None,
        (CLERK, REVIEWER, CHIEF),
        "核验容缺材料",
    ),
]

TABLE: dict[tuple[str, str], Transition] = {(t.source.value, t.action): t for t in TRANSITIONS}
ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(t.action for t in TRANSITIONS))
assert len(TABLE) == len(TRANSITIONS), "a (state, action) pair appears twice"


def transition_for(state: str, action: str) -> Transition | None:
    return TABLE.get((state, action))


def resolve_target(transition: Transition, *, accepted: bool) -> State:
    """The next state; for the few rows whose target depends on the case."""
    if transition.target is not None:
        return transition.target
    if transition.action == "submit":  # back from a correction
        return State.ACCEPTED if accepted else State.SUBMITTED
    return transition.source  # review, extend and confirm_deferred stay put


def actions_from(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source.value == state]


def mermaid() -> str:
    """The table as a Mermaid state diagram (docs/workflow.md)."""
    lines = ["stateDiagram-v2", "    [*] --> draft"]
    for t in TRANSITIONS:
        if t.target is None and t.action == "submit":
            targets = [State.SUBMITTED, State.ACCEPTED]
        else:
            targets = [t.target or t.source]
        for target in targets:
            lines.append(f"    {t.source.value} --> {target.value}: {t.action} ({', '.join(t.roles)})")
    return "\n".join(lines) + "\n"
