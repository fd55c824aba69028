import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from govhall.core.errors import NotFound
from govhall.notify import selectors
from govhall.notify.models import Notification
from govhall.notify.services import (
    notification_mark_all_read,
    notification_mark_read,
    notification_send,
    sms_redeliver,
)
from govhall.notify.tests.factories import user_create

PHONE = "13800138000"
Channel, Status = Notification.Channel, Notification.Status


def test_one_site_message_per_user_and_one_sms_to_the_given_phone(db, sms_recorded, django_capture_on_commit_callbacks):
    alice, bob = user_create(phone="13900139000"), user_create()
    with django_capture_on_commit_callbacks(execute=True):
        rows = notification_send(
            event="case.accepted",
            text="您的办件已受理",
            users=[alice, bob, alice],
            phone=PHONE,
            case_number="B2026000001",
        )
    site = [n for n in rows if n.channel == Channel.SITE]
    sms = [n for n in rows if n.channel == Channel.SMS]
    assert {n.recipient for n in site} == {alice, bob}
    assert all(n.status == Status.DELIVERED and n.case_number == "B2026000001" for n in site)
    assert len(sms) == 1 and sms[0].phone == PHONE and sms[0].recipient is None
    # the given phone wins over the users' own numbers
    assert sms_recorded == [(PHONE, "您的办件已受理")]
    sms[0].refresh_from_db()
    assert (sms[0].status, sms[0].attempts, sms[0].gateway_ref) == (Status.SENT, 1, "rec-1")
    assert sms[0].sent_at is not None


def test_without_a_phone_each_user_is_texted_on_their_own_number_once(
    db, sms_recorded, django_capture_on_commit_callbacks
):
    a, b, c = user_create(phone="13900139000"), user_create(phone="13900139000"), user_create()
    d = user_create(phone="13700137000")
    with django_capture_on_commit_callbacks(execute=True):
        rows = notification_send(event="case.done", text="已办结", users=[a, b, c, d])
    sms = [n for n in rows if n.channel == Channel.SMS]
    assert sorted((n.phone, n.recipient) for n in sms) == [("13700137000", d), ("13900139000", a)]
    assert sorted(sms_recorded) == [("13700137000", "已办结"), ("13900139000", "已办结")]


def test_site_only_messages_text_nobody(db, sms_recorded, django_capture_on_commit_callbacks):
    staff = user_create(phone="13900139000")
    with django_capture_on_commit_callbacks(execute=True):
        rows = notification_send(event="supervision.intake", text="收件提醒", users=[staff], sms=False)
    assert [(n.channel, n.recipient) for n in rows] == [(Channel.SITE, staff)]
    assert sms_recorded == []


def test_phone_only_writes_no_site_message(db, sms_recorded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rows = notification_send(event="case.accepted", text="已受理", phone=PHONE)
    assert [(n.channel, n.recipient) for n in rows] == [(Channel.SMS, None)]
    assert len(sms_recorded) == 1


def test_without_ids_from_a_bulk_insert_the_rows_are_saved_one_by_one(
    db, sms_recorded, django_capture_on_commit_callbacks, monkeypatch
):
    # SQLite before 3.35 cannot return the ids of a multi-row insert; the SMS task needs them.
    from django.db import connection

    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    alice = user_create()
    with django_capture_on_commit_callbacks(execute=True):
        rows = notification_send(event="case.accepted", text="您的办件已受理", users=[alice], phone=PHONE)
    assert [n.channel for n in rows] == [Channel.SITE, Channel.SMS] and all(n.pk for n in rows)
    assert sms_recorded == [(PHONE, "您的办件已受理")]


def test_event_and_text_are_required(db):
    with pytest.raises(ValueError):
        notification_send(event="", text="x", phone=PHONE)
    with pytest.raises(ValueError):
        notification_send(event="case.accepted", text="", phone=PHONE)


def test_a_rolled_back_transition_sends_nothing(db, sms_recorded, django_capture_on_commit_callbacks):
    user = user_create(phone="13900139000")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notification_send(event="case.accepted", text="已受理", users=[user], phone=PHONE)
            raise RuntimeError("the transition failed after scheduling its notices")
    assert callbacks == []
    assert sms_recorded == []
    assert not Notification.objects.exists()


def test_no_sms_leaves_before_the_callers_commit(db, sms_recorded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification_send(event="case.accepted", text="已受理", phone=PHONE)
    assert sms_recorded == [] and len(callbacks) == 1
    assert Notification.objects.get().status == Status.PENDING
    callbacks[0]()
    assert sms_recorded == [(PHONE, "已受理")]


@pytest.mark.django_db(transaction=True)
def test_committed_transition_is_delivered_once_by_the_immediate_backend(sms_recorded):
    user = user_create()
    with transaction.atomic():
        notification_send(event="case.accepted", text="已受理", users=[user], phone=PHONE, case_number="B1")
        assert sms_recorded == []  # still inside the transaction
    assert sms_recorded == [(PHONE, "已受理")]
    sms = Notification.objects.get(channel=Channel.SMS)
    assert (sms.status, sms.attempts) == (Status.SENT, 1)

    with transaction.atomic():
        notification_send(event="case.rolled", text="不应发出", phone=PHONE)
        transaction.set_rollback(True)
    assert sms_recorded == [(PHONE, "已受理")]
    assert Notification.objects.count() == 2


def test_mark_read_only_by_the_recipient(db):
    alice, mallory = user_create(), user_create()
    (message,) = notification_send(event="case.accepted", text="已受理", users=[alice])
    with pytest.raises(NotFound):
        notification_mark_read(user=mallory, notification_id=message.pk)
    message.refresh_from_db()
    assert message.read_at is None

    read = notification_mark_read(user=alice, notification_id=message.pk)
    first = read.read_at
    assert first is not None
    assert notification_mark_read(user=alice, notification_id=message.pk).read_at == first  # idempotent

    with pytest.raises(NotFound):
        notification_mark_read(user=alice, notification_id=message.pk + 1000)


def test_an_sms_row_cannot_be_marked_read_through_the_inbox(db, django_capture_on_commit_callbacks):
    alice = user_create(phone="13900139000")
    with django_capture_on_commit_callbacks(execute=True):
        rows = notification_send(event="case.accepted", text="已受理", users=[alice])
    sms = next(n for n in rows if n.channel == Channel.SMS)
    assert sms.recipient == alice
    with pytest.raises(NotFound):
        notification_mark_read(user=alice, notification_id=sms.pk)


def test_inbox_and_unread_count(db, django_capture_on_commit_callbacks):
    alice, bob = user_create(phone="13900139000"), user_create()
    with django_capture_on_commit_callbacks(execute=True):
        first = notification_send(event="case.accepted", text="第一条", users=[alice])[0]
        second = notification_send(event="case.done", text="第二条", users=[alice, bob])[0]
    Notification.objects.filter(pk=first.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    assert [n.text for n in selectors.inbox(alice)] == ["第二条", "第一条"]  # newest first, no SMS rows
    assert [n.text for n in selectors.inbox(bob)] == ["第二条"]
    assert selectors.unread_count(alice) == 2
    notification_mark_read(user=alice, notification_id=second.pk)
    assert selectors.unread_count(alice) == 1
    assert selectors.unread_count(bob) == 1
    assert notification_mark_all_read(user=alice) == 1
    assert selectors.unread_count(alice) == 0 and selectors.unread_count(bob) == 1


def test_inbox_of_an_anonymous_user_is_empty(db):
    from django.contrib.auth.models import AnonymousUser

    assert list(selectors.inbox(AnonymousUser())) == []


def test_redeliver_picks_stale_pending_and_failed_under_the_attempt_limit(
    db, settings, sms_recorded, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the enqueue never happened
        (stale,) = notification_send(event="e.stale", text="滞留", phone="13900139001")
        notification_send(event="e.fresh", text="刚写入", phone="13900139002")
        (failed,) = notification_send(event="e.failed", text="失败过", phone="13900139003")
        (given_up,) = notification_send(event="e.gaveup", text="放弃", phone="13900139004")
        (sending,) = notification_send(event="e.sending", text="发送中", phone="13900139005")
    old = timezone.now() - dt.timedelta(hours=1)
    Notification.objects.filter(pk=stale.pk).update(created_at=old)
    Notification.objects.filter(pk=failed.pk).update(status=Status.FAILED, attempts=1, created_at=old)
    Notification.objects.filter(pk=given_up.pk).update(status=Status.FAILED, attempts=3, created_at=old)
    Notification.objects.filter(pk=sending.pk).update(status=Status.SENDING, attempts=1, created_at=old)

    assert sms_redeliver() == 2
    assert sorted(sms_recorded) == [("13900139001", "滞留"), ("13900139003", "失败过")]
    statuses = dict(Notification.objects.values_list("event", "status"))
    assert statuses == {
        "e.stale": Status.SENT,
        "e.fresh": Status.PENDING,
        "e.failed": Status.SENT,
        "e.gaveup": Status.FAILED,
        "e.sending": Status.SENDING,
    }
