"""The assisted-service request's transition table (帮办代办), in the style of the cases'
workflow: one declared row per action, saying from which statuses, by which roles, to
which status, and whether it needs an assistant or a comment. ``services.assist_transition``
is the only code that moves a request; pages and API offer what ``offered`` answers.

::

    new ──assign / auto_assign──▶ assigned ──start──▶ in_progress ──finish──▶ done
     │                              │  ▲                  │
     │                              │  └──── assign ──────┘ (the manager hands it to another)
     └──────────── cancel ──────────┴──────── cancel ─────┴──▶ cancelled

Roles on a request: ``applicant`` (the applicant, or an operator of a company applicant),
``assignee`` (the assistant it is assigned to), the staff roles within the request's scope
(``accounts.scope``: a hall manager of its hall, an administrator), and ``system`` (the
assignment by workload when a request names a station).
"""

from __future__ import annotations

from dataclasses import dataclass

from govhall.accounts.roles import Role
from govhall.accounts.scope import APPLICANT
from govhall.core.errors import Conflict, DomainError, Forbidden
from govhall.stations.models import AssistStatus

ASSIGNEE = "assignee"
SYSTEM = "system"
MANAGER = Role.HALL_MANAGER.value
ADMIN = Role.ADMINISTRATOR.value

OPEN = (AssistStatus.NEW, AssistStatus.ASSIGNED, AssistStatus.IN_PROGRESS)
CLOSED = (AssistStatus.DONE, AssistStatus.CANCELLED)
ROLE_LABELS = {
    APPLICANT: "申请人",
    ASSIGNEE: "帮办代办员",
    SYSTEM: "系统",
    **dict(Role.choices),
}


@dataclass(frozen=True)
class Row:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    button: str
    done: str
    needs_assistant: bool = False
    # The comment's label when some roles must give one (the others may).
    comment: str = ""
    comment_from: tuple[str, ...] = ()
    tone: str = ""


ROWS: list[Row] = [
    Row(
        "assign",
        (AssistStatus.NEW, AssistStatus.ASSIGNED, AssistStatus.IN_PROGRESS),
        AssistStatus.ASSIGNED,
        (MANAGER, ADMIN),
        button="分派帮办代办员",
        done="已分派",
        needs_assistant=True,
    ),
    Row(
        "auto_assign",
        (AssistStatus.NEW,),
        AssistStatus.ASSIGNED,
        (MANAGER, ADMIN, SYSTEM),
        button="按工作量自动分派",
        done="已按工作量分派",
    ),
    Row("start", (AssistStatus.ASSIGNED,), AssistStatus.IN_PROGRESS, (ASSIGNEE,), button="开始办理", done="已开始办理"),
    Row(
        "finish",
        (AssistStatus.IN_PROGRESS,),
        AssistStatus.DONE,
        (ASSIGNEE, MANAGER, ADMIN),
        button="办结",
        done="已办结",
        comment="办理结果",
        comment_from=(ASSIGNEE, MANAGER, ADMIN),
        tone="ok",
    ),
    Row(
        "cancel",
        OPEN,
        AssistStatus.CANCELLED,
        (APPLICANT, ASSIGNEE, MANAGER, ADMIN),
        button="取消申请",
        done="已取消",
        comment="取消原因",
        comment_from=(ASSIGNEE, MANAGER, ADMIN),
        tone="danger",
    ),
]

ACTIONS: dict[str, Row] = {row.action: row for row in ROWS}


def known(action: str) -> Row:
    row = ACTIONS.get(action)
    if row is None:
        raise DomainError(f"未知的操作：{action}", code="unknown_action", detail={"allowed": list(ACTIONS)})
    return row


def refusal(status: str, roles: set[str], action: str) -> DomainError | None:
    """Why ``action`` may not be taken now by someone with ``roles`` (None: it may)."""
    row = known(action)
    if status not in row.sources:
        return Conflict(
            f"帮办代办申请{AssistStatus(status).label}，不能{row.button}",
            code="action_not_allowed",
            detail={"status": status, "action": action},
        )
    if not roles & set(row.roles):
        return Forbidden(f"您不能{row.button}", code="role_not_allowed", detail={"action": action})
    return None


def offered(status: str, roles: set[str]) -> list[Row]:
    """The rows someone with ``roles`` may take in ``status`` (never the system's own)."""
    return [row for row in ROWS if refusal(status, roles - {SYSTEM}, row.action) is None]


def acting_role(roles: set[str], row: Row) -> str:
    """The role an event records: the first of the row's roles the actor holds."""
    return next((r for r in row.roles if r in roles), "")


def table() -> list[tuple[str, str, str, str]]:
    """(action, from, to, roles) for the docs."""
    return [
        (
            row.action,
            "、".join(AssistStatus(s).label for s in row.sources),
            AssistStatus(row.target).label,
            "、".join(ROLE_LABELS[r] for r in row.roles),
        )
        for row in ROWS
    ]
