"""Verification of the security audit chain (``manage.py verify_security_audit``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from govhall.audit.models import ChainHead, Kind, SecurityEvent
from govhall.audit.services import MIN_RETENTION_DAYS, purged_through


@dataclass(frozen=True)
class Broken:
    seq: int
    reason: str

    def describe(self) -> str:
        return f"安全审计记录第 {self.seq} 条{self.reason}"


@dataclass(frozen=True)
class Verified:
    checked: int
    head_seq: int
    head_hash: str
    broken: Broken | None
    anchor_purged: bool = False  # the anchor given lies in the purged part: not checked


def _purge_claim(purge: SecurityEvent) -> Broken | None:
    """A purge event says it deleted events up to one of a given time: that time must be
    at least the minimum retention before the purge."""
    try:
        through = dt.datetime.fromisoformat(purge.data.get("through_created_at", ""))
        through_seq = int(purge.data["through_seq"])
    except (KeyError, TypeError, ValueError):
        return Broken(purge.seq, "（清理记录）内容不完整")
    if through_seq >= purge.seq:
        return Broken(purge.seq, "（清理记录）所称清理的范围不合理")
    if through > purge.created_at - dt.timedelta(days=MIN_RETENTION_DAYS):
        return Broken(purge.seq, f"（清理记录）清理了不足 {MIN_RETENTION_DAYS} 天的记录")
    return None


def verify(*, batch: int = 1000, anchor: tuple[int, str] | None = None) -> Verified:
    """Walk the chain from where the newest purge left it (or from event 1) to the head
    read at the start (events appended meanwhile are left for the next run) and return the
    first broken link: an event whose content no longer gives its hash, a link to a hash
    that is not the previous event's, a gap in the sequence, deleted newest events (the
    head matches no event), deleted oldest ones (no purge event accounts for them), or a
    purge of events younger than the minimum retention. Events a purge covers but has not
    deleted yet are skipped. ``anchor`` (seq, hash), a head written down earlier outside
    the database, must still be in the chain: this catches a chain rewritten consistently
    up to its head."""
    head = ChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, "")
    through, purge = purged_through(up_to=head_seq)
    anchor_purged = anchor is not None and anchor[0] <= through

    def result(checked: int, broken: Broken | None) -> Verified:
        return Verified(checked, head_seq, head_hash, broken, anchor_purged=anchor_purged)

    prev = ""
    if purge is not None:
        if broken := _purge_claim(purge):
            return result(0, broken)
        prev = purge.data.get("through_hash", "")
    expected = through + 1
    checked = 0
    anchored = anchor is None or anchor_purged
    last_seq = through
    while True:
        chunk = list(SecurityEvent.objects.filter(seq__gt=last_seq, seq__lte=head_seq).order_by("seq")[:batch])
        if not chunk:
            break
        for event in chunk:
            if event.seq != expected:
                if checked == 0:  # the oldest events are missing
                    return result(checked, Broken(event.seq - 1, "及之前的记录被删除（没有清理记录）"))
                return result(checked, Broken(expected, "缺失（序号不连续）"))
            if event.prev_hash != prev:
                return result(checked, Broken(event.seq, "与上一条的链接不符"))
            if event.compute_hash() != event.hash:
                return result(checked, Broken(event.seq, "内容被修改（哈希不符）"))
            if event.kind == Kind.PURGED and (broken := _purge_claim(event)):
                return result(checked, broken)
            if anchor is not None and event.seq == anchor[0]:
                if event.hash != anchor[1]:
                    return result(checked, Broken(event.seq, "与外部记下的链头不符（链被改写）"))
                anchored = True
            prev = event.hash
            expected = event.seq + 1
            checked += 1
        last_seq = chunk[-1].seq
    if expected - 1 != head_seq or prev != head_hash:
        return result(checked, Broken(expected, "及之后的记录被删除（与链头不符）"))
    if not anchored:
        return result(checked, Broken(anchor[0], "（外部记下的链头）已不在链中"))
    return result(checked, None)
