"""Verification of the timelines' hash chains (``manage.py verify_audit``)."""

from __future__ import annotations

from dataclasses import dataclass

from govhall.cases.models import Case, TimelineEvent


@dataclass(frozen=True)
class BrokenLink:
    number: str
    seq: int
    reason: str

    def describe(self) -> str:
        return f"办件 {self.number}：第 {self.seq} 条轨迹{self.reason}"


def verify_case(case: Case, events: list[TimelineEvent]) -> BrokenLink | None:
    """The first broken link of one case's chain, or None. Checks each event's own hash,
    its link to the previous one, gaps in the sequence, and the head stored on the case
    (so deleting the newest events is caught too)."""
    prev = ""
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return BrokenLink(case.number, expected_seq, "缺失（序号不连续）")
        if event.prev_hash != prev:
            return BrokenLink(case.number, event.seq, "与上一条的链接不符")
        if event.compute_hash() != event.hash:
            return BrokenLink(case.number, event.seq, "内容被修改（哈希不符）")
        prev = event.hash
    if case.event_count != len(events) or case.last_event_hash != prev:
        return BrokenLink(case.number, len(events) + 1, "之后的记录被删除（链头与办件记录不符）")
    return None


def verify_chains(number: str | None = None, batch: int = 500) -> tuple[list[BrokenLink], int]:
    cases = Case.objects.order_by("pk")
    if number:
        cases = cases.filter(number=number)
    problems: list[BrokenLink] = []
    checked = 0
    last_pk = 0
    while True:
        chunk = list(cases.filter(pk__gt=last_pk)[:batch])
        if not chunk:
            break
        by_case: dict[int, list[TimelineEvent]] = {c.pk: [] for c in chunk}
        for event in TimelineEvent.objects.filter(case_id__in=by_case).order_by("case_id", "seq"):
            by_case[event.case_id].append(event)
        for case in chunk:
            checked += 1
            broken = verify_case(case, by_case[case.pk])
            if broken:
                problems.append(broken)
        last_pk = chunk[-1].pk
    return problems, checked
