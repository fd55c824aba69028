"""The security audit chain: appending, verifying, finding tampering, purging without
breaking it, and parallel appends that never fork it."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone

from govhall.accounts.models import User
from govhall.audit import services
from govhall.audit.chain import verify
from govhall.audit.models import ChainHead, Kind, SecurityEvent
from govhall.audit.services import MIN_RETENTION_DAYS, purge, record

pytestmark = pytest.mark.django_db


def raw() -> QuerySet:
    """What someone with the database's password can do: the table without its guards."""
    return QuerySet(SecurityEvent)


def some_events(n: int = 5) -> list[SecurityEvent]:
    return [record(kind=Kind.EXPORTED, actor=None, subject=f"report:{i}", address="10.0.0.1") for i in range(n)]


@pytest.fixture(autouse=True)
def empty_log(db):
    """A log that starts here (the session's demo data recorded events already)."""
    raw().delete()
    ChainHead.objects.all().delete()


@pytest.fixture
def clock(monkeypatch):
    """Move the audit log's clock: clock(days=-400) records events 400 days ago."""

    real_now = timezone.now()

    def move(**delta):
        moved = real_now + dt.timedelta(**delta)
        monkeypatch.setattr(services.timezone, "now", lambda: moved)

    yield move
    monkeypatch.undo()


def test_events_link_into_one_chain_and_verify():
    assert verify().broken is None  # an empty log is whole
    first, *_, last = some_events()
    assert first.seq == 1 and first.prev_hash == "" and last.seq == 5
    events = list(SecurityEvent.objects.order_by("seq"))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert all(e.compute_hash() == e.hash for e in events)
    head = ChainHead.objects.get()
    assert (head.seq, head.hash) == (5, last.hash)
    result = verify()
    assert result.broken is None and result.checked == 5 and result.head_hash == last.hash


def test_a_changed_event_is_found_by_the_command(capsys):
    some_events()
    raw().filter(seq=3).update(address="10.9.9.9")
    assert verify().broken.seq == 3 and "内容被修改" in verify().broken.reason
    with pytest.raises(CommandError):
        call_command("verify_security_audit")
    assert "安全审计记录第 3 条内容被修改" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("deleted", "seq", "reason"),
    [
        ([3], 3, "缺失"),  # from the middle
        ([5], 5, "之后的记录被删除"),  # the newest: the head has no event
        ([4, 5], 4, "之后的记录被删除"),
        ([1, 2], 2, "之前的记录被删除"),  # the oldest, without a purge
    ],
)
def test_a_deleted_event_is_found(deleted, seq, reason):
    some_events()
    raw().filter(seq__in=deleted).delete()
    broken = verify().broken
    assert broken.seq == seq and reason in broken.reason, broken


def test_a_relinked_event_is_found():
    some_events()
    event = SecurityEvent.objects.get(seq=4)
    raw().filter(seq=4).update(prev_hash="0" * 64, hash="1" * 64)
    assert verify().broken.seq == 4 and "链接" in verify().broken.reason
    assert event.hash != "1" * 64


def test_a_chain_rewritten_to_its_head_is_caught_by_an_anchor_kept_elsewhere(capsys):
    some_events()
    call_command("verify_security_audit")
    anchor = capsys.readouterr().out.split("链头 ")[1].strip()
    assert anchor == f"5:{ChainHead.objects.get().hash}"
    # rewrite event 2 and relink everything after it, head included: no link is broken
    prev = SecurityEvent.objects.get(seq=1).hash
    for event in SecurityEvent.objects.order_by("seq")[1:]:
        if event.seq == 2:
            event.subject = "report:changed"
        event.prev_hash = prev
        event.hash = event.compute_hash()
        raw().filter(pk=event.pk).update(subject=event.subject, prev_hash=event.prev_hash, hash=event.hash)
        prev = event.hash
    ChainHead.objects.filter(pk=1).update(hash=prev)
    assert verify().broken is None
    with pytest.raises(CommandError):
        call_command("verify_security_audit", anchor=anchor)
    assert "第 5 条与外部记下的链头不符" in capsys.readouterr().err
    with pytest.raises(CommandError):
        call_command("verify_security_audit", anchor="5:abc")


def test_data_is_masked_and_texts_are_storable():
    event = record(
        kind=Kind.PERSONAL_DATA_VIEWED,
        actor=User.objects.create_user("viewer"),
        subject="cases.case:2025-0001\x00",
        address="10.0.0.1",
        data={
            "phone": "13812345678",
            "note": "身份证 11010519491231002X，电话 13812345678",
            "name": "张三丰",
            "fields": ["id_number", "13912345678"],
            "bad": "\ud800坏",
            "when": dt.date(2025, 1, 2),
            "n": 3,
        },
    )
    event = SecurityEvent.objects.get(pk=event.pk)
    assert event.data == {
        "phone": "138****5678",
        "note": "身份证 110105********002X，电话 138****5678",
        "name": "张*丰",
        "fields": ["id_number", "139****5678"],
        "bad": "?坏",
        "when": "2025-01-02",
        "n": 3,
    }
    assert event.subject == "cases.case:2025-0001"
    assert event.compute_hash() == event.hash and verify().broken is None


def test_subjects_users_and_objects():
    from django.contrib.auth.models import Group

    user = User.objects.create_user("someone")
    assert record(kind=Kind.SIGN_IN, actor=user, subject=user).subject_user_id == user.pk
    group = Group.objects.create(name="某组")
    assert record(kind=Kind.ROLE_CHANGED, subject=group).subject == f"auth.group:{group.pk}"
    assert record(kind=Kind.EXPORTED, subject="cases.case:2025-0001").subject == "cases.case:2025-0001"


def test_events_are_not_changed_or_deleted_through_the_orm():
    [event] = some_events(1)
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        SecurityEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(TypeError):
        SecurityEvent.objects.update(address="")


def test_a_deleted_user_leaves_their_events_valid():
    user = User.objects.create_user("leaver")
    pk = user.pk
    record(kind=Kind.SIGN_IN, actor=user, subject=user)
    user.delete()
    assert verify().broken is None
    assert SecurityEvent.objects.get(kind=Kind.SIGN_IN, subject_user_id=pk).actor_id == pk


# --------------------------------------------------------------------------- retention


def test_purging_keeps_six_months_and_leaves_a_verifiable_chain(clock, capsys):
    clock(days=-400)
    some_events(3)
    clock(days=-100)
    some_events(2)
    clock()
    some_events(1)
    assert purge(days=365, dry_run=True).rows == 3 and SecurityEvent.objects.count() == 6
    call_command("purge_security_audit", days=365)
    assert "已删除 3 条（第 3 条及之前）" in capsys.readouterr().out
    assert list(SecurityEvent.objects.order_by("seq").values_list("seq", flat=True)) == [4, 5, 6, 7]
    checkpoint = SecurityEvent.objects.get(seq=7)
    assert checkpoint.kind == Kind.PURGED and checkpoint.data["through_seq"] == 3 and checkpoint.data["rows"] == 3
    assert verify().broken is None and verify().checked == 4
    # nothing younger than six months goes, whatever is asked
    with pytest.raises(ValueError):
        purge(days=MIN_RETENTION_DAYS - 1)
    with pytest.raises(CommandError):
        call_command("purge_security_audit", days=30)
    assert purge(days=MIN_RETENTION_DAYS).rows == 0
    # a year later everything here is old, the first purge's record too: still one chain
    clock(days=500)
    result = purge()  # the setting: 365 days
    assert result.rows == 4 and list(SecurityEvent.objects.values_list("seq", flat=True)) == [8]
    assert result.event.data["rows"] == 4 and result.event.data["through_seq"] == 7
    assert verify().broken is None


def test_rows_deleted_with_a_forged_purge_record_younger_than_six_months_are_found():
    some_events(4)
    last = SecurityEvent.objects.get(seq=2)
    raw().filter(seq__lte=2).delete()
    services._append(
        SecurityEvent(
            kind=Kind.PURGED,
            data={
                "through_seq": 2,
                "through_hash": last.hash,
                "through_created_at": last.created_at.isoformat(),
                "rows": 2,
            },
        )
    )
    broken = verify().broken
    assert broken.seq == 5 and "不足 184 天" in broken.reason


def test_the_retention_setting_cannot_go_below_six_months(settings):
    from govhall.audit.checks import retention_long_enough

    settings.GOVHALL_AUDIT_RETENTION_DAYS = 90
    assert [m.id for m in retention_long_enough(None)] == ["govhall.audit.E001"]
    assert services.retention_days() == MIN_RETENTION_DAYS
    settings.GOVHALL_AUDIT_RETENTION_DAYS = 365
    assert retention_long_enough(None) == []


# --------------------------------------------------------------------------- parallel appends


@pytest.mark.django_db(transaction=True)
def test_parallel_appends_never_fork_the_chain():
    threads_n, each = 8, 10
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def append(n: int):
        try:
            barrier.wait(timeout=10)
            for i in range(each):
                record(kind=Kind.EXPORTED, subject=f"thread:{n}:{i}", address="10.0.0.2")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = list(SecurityEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, threads_n * each + 1))
    assert len(set(SecurityEvent.objects.values_list("prev_hash", flat=True))) == threads_n * each  # no fork
    result = verify()
    assert result.broken is None and result.checked == threads_n * each


def test_an_interrupted_purge_is_verifiable_and_finished_by_the_next(clock, monkeypatch):
    clock(days=-400)
    some_events(7)
    clock()
    some_events(2)
    monkeypatch.setattr(services, "PURGE_BATCH", 3)
    real_delete = QuerySet.delete
    calls = []

    def delete_once(self):  # the process dies after its first batch
        if calls:
            raise KeyboardInterrupt
        calls.append(1)
        return real_delete(self)

    monkeypatch.setattr(QuerySet, "delete", delete_once)
    with pytest.raises(KeyboardInterrupt):
        purge(days=365)
    monkeypatch.setattr(QuerySet, "delete", real_delete)
    assert list(SecurityEvent.objects.order_by("seq").values_list("seq", flat=True)) == [4, 5, 6, 7, 8, 9, 10]
    assert verify().broken is None and verify().checked == 3  # 8, 9 and the purge event 10
    result = purge(days=365)
    assert (result.rows, result.through_seq, result.event) == (4, 7, None)  # no second purge event
    assert verify().broken is None and SecurityEvent.objects.count() == 3


def test_an_anchor_in_the_purged_part_is_said_not_checked(clock, capsys):
    clock(days=-400)
    some_events(3)
    clock()
    some_events(1)
    purge(days=365)
    call_command("verify_security_audit", anchor=f"2:{'0' * 64}")
    assert "未能核对" in capsys.readouterr().err
