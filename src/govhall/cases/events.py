"""What happens to a case: the kinds of timeline events with their labels, and the typed
events other apps subscribe to (``core.events``).

Every ``TimelineEvent.action`` is an ``EventKind``; pages and the API read labels from here.
The kinds named after a workflow action are that action's timeline entry (``actions.py``
declares which kind each action records).

Other apps react to cases through the typed events below, delivered after commit by ids
(Saleor's order events, Open Forms' post-submission hooks): ``CaseTransitioned`` for every
workflow action, ``MaterialAdded`` for every material a case receives, ``DocumentCreated``
for every notice or decision it produced, ``CaseCreated`` for a new draft. A subscriber
reads the case itself (``cases.selectors``) and changes it only through ``cases.services``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from govhall.core import events


class EventKind(models.TextChoices):
    # what the case's life records besides its transitions
    CREATE = "create", "创建申请"
    MATERIAL_UPLOADED = "material_uploaded", "上传材料"
    DEFERRED_MATERIAL_RECEIVED = "deferred_material_received", "补交容缺材料"
    LICENCE_REUSED = "licence_reused", "调用电子证照"
    PERSONAL_DATA_VIEWED = "personal_data_viewed", "查看完整身份信息"
    DEADLINE_RECOMPUTED = "deadline_recomputed", "重新计算到期日"
    DOCUMENT_CREATED = "document_created", "生成文书"
    # one per workflow action (actions.py)
    SUBMIT = "submit", "提交申请"
    ACCEPT = "accept", "受理"
    ACCEPT_WITH_DEFERRAL = "accept_with_deferral", "容缺受理"
    REQUEST_CORRECTION = "request_correction", "一次性告知补正"
    REJECT = "reject", "不予受理"
    SUSPEND = "suspend", "启动特别程序"
    RESUME = "resume", "结束特别程序"
    EXTEND = "extend", "延长审批期限"
    REVIEW = "review", "提出审查意见"
    APPROVE = "approve", "准予许可"
    DENY = "deny", "不予许可"
    ISSUE = "issue", "办结出件"
    DELIVER = "deliver", "送达"
    WITHDRAW = "withdraw", "撤回申请"
    REVOKE = "revoke", "撤销"
    CONFIRM_DEFERRED = "confirm_deferred", "核验容缺材料"
    COMMITMENT_VERIFIED = "commitment_verified", "告知承诺核查"


# Events whose comment is the department's internal working (the reviewer's opinion before
# the decision): the applicant side sees that the step happened, not what it said.
INTERNAL_COMMENTS = frozenset({EventKind.REVIEW})


# Kinds other apps record in a case's timeline (``services.case_note``), each registered by
# the app that records it: "lockers.dropped_off" -> "信包箱投递纸质材料". Namespaced with the
# app's label, so they never collide with the cases app's own kinds.
_FOREIGN_KINDS: dict[str, str] = {}


def register_kind(kind: str, label: str) -> str:
    """Register a timeline kind another app records (call at import time of its module)."""
    app, dot, name = kind.partition(".")
    if not (dot and app and name) or kind in EventKind.values:
        raise ValueError(f"a foreign timeline kind is '<app>.<name>', not {kind!r}")
    if _FOREIGN_KINDS.get(kind, label) != label:
        raise ValueError(f"timeline kind {kind!r} is registered already with another label")
    _FOREIGN_KINDS[kind] = label
    return kind


def is_foreign_kind(kind: str) -> bool:
    return kind in _FOREIGN_KINDS


def label(kind: str) -> str:
    """The Chinese label of a timeline event kind (the kind itself if unknown)."""
    try:
        return EventKind(kind).label
    except ValueError:
        return _FOREIGN_KINDS.get(kind, kind)


# --------------------------------------------------------------------------- typed events


@events.event
@dataclass(frozen=True)
class CaseCreated(events.Event):
    name = "cases.created"

    case_id: int
    number: str
    item_code: str
    channel: str
    filed_by_id: int


@events.event
@dataclass(frozen=True)
class CaseTransitioned(events.Event):
    """A workflow action was taken (the state may stay, e.g. a review or an extension)."""

    name = "cases.transitioned"

    case_id: int
    number: str
    action: str
    from_state: str
    to_state: str
    event_id: int  # the timeline event: its data holds what the action recorded
    actor_id: int | None


@events.event
@dataclass(frozen=True)
class MaterialAdded(events.Event):
    """A material reached the case: uploaded, scanned, or taken from the licence library."""

    name = "cases.material_added"

    case_id: int
    number: str
    requirement_id: int
    material_id: int
    source: str  # SubmittedMaterial.Source: upload, scan, licence, shared_data
    deferred: bool  # a deferred material (容缺) supplied after acceptance


@events.event
@dataclass(frozen=True)
class CaseNoted(events.Event):
    """Another app recorded something in the case's timeline (``services.case_note``)."""

    name = "cases.noted"

    case_id: int
    number: str
    kind: str
    event_id: int


@events.event
@dataclass(frozen=True)
class DocumentCreated(events.Event):
    name = "cases.document_created"

    case_id: int
    number: str
    document_id: int
    kind: str  # Document.Kind
