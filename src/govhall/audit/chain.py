"""Verification of the security audit chain (``manage.py verify_security_audit``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from govhall.audit.models import ChainHead, Kind, SecurityEvent
from govhall.audit.services import MIN_RETENTION_DAYS


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


def _start(first: SecurityEvent) -> tuple[str | None, Broken | None]:
    """The hash the first remaining event must link to: nothing for event 1, otherwise the
    last purged one's as a ``PURGED`` event of the chain holds it."""
    if first.seq == 1:
        return "", None
    for purge in SecurityEvent.objects.filter(kind=Kind.PURGED, seq__gt=first.seq - 1).order_by("seq"):
        if purge.data.get("through_seq") != first.seq - 1:
            continue
        try:
            through = dt.datetime.fromisoformat(purge.data.get("through_created_at", ""))
        except (TypeError, ValueError):
            return None, Broken(purge.seq, "（清理记录）内容不完整")
        if through > purge.created_at - dt.timedelta(days=MIN_RETENTION_DAYS):
            return None, Broken(purge.seq, f"清理了不足 {MIN_RETENTION_DAYS} 天的记录")
        return purge.data.get("through_hash", ""), None
    return None, Broken(first.seq - 1, "及之前的记录被删除（没有清理记录）")


def verify(*, batch: int = 1000, anchor: tuple[int, str] | None = None) -> Verified:
    """Walk the chain from its oldest event to the head read at the start (events
    appended meanwhile are left for the next run) and return the first broken link: an
    event whose content no longer gives its hash, a link to a hash that is not the
    previous event's, a gap in the sequence, deleted newest events (the head matches no
    event) or deleted oldest ones (no purge event accounts for them). ``anchor`` (seq,
    hash), a head written down earlier outside the database, must still be in the chain:
    this catches a chain rewritten consistently up to its head."""
    head = ChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, "")
    checked = 0
    prev: str | None = None
    expected = None
    anchored = anchor is None
    last_pk = -1
    while True:
        chunk = list(SecurityEvent.objects.filter(seq__gt=last_pk, seq__lte=head_seq).order_by("seq")[:batch])
        if not chunk:
            break
        for event in chunk:
            if expected is None:  # the oldest event left
                prev, broken = _start(event)
                if broken:
                    return Verified(checked, head_seq, head_hash, broken)
                expected = event.seq
            if event.seq != expected:
                return Verified(checked, head_seq, head_hash, Broken(expected, "缺失（序号不连续）"))
            if event.prev_hash != prev:
                return Verified(checked, head_seq, head_hash, Broken(event.seq, "与上一条的链接不符"))
            if event.compute_hash() != event.hash:
                return Verified(checked, head_seq, head_hash, Broken(event.seq, "内容被修改（哈希不符）"))
            if anchor is not None and event.seq == anchor[0]:
                if event.hash != anchor[1]:
                    return Verified(checked, head_seq, head_hash, Broken(event.seq, "与外部记下的链头不符（链被改写）"))
                anchored = True
            prev = event.hash
            expected = event.seq + 1
            checked += 1
        last_pk = chunk[-1].seq
    if (expected or 1) - 1 != head_seq or (prev or "") != head_hash:
        return Verified(checked, head_seq, head_hash, Broken((expected or 1), "及之后的记录被删除（与链头不符）"))
    if not anchored:
        return Verified(
            checked, head_seq, head_hash, Broken(anchor[0], "（外部记下的链头）已不在链中（已清理或被删除）")
        )
    return Verified(checked, head_seq, head_hash, None)
