"""One-time codes sent by SMS: the gateway gets the code, the database, admin and logs never do."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from govhall.notify.models import Notification
from govhall.notify.services import (
    SMS_MAX_ATTEMPTS,
    UNSENT_CLEARED,
    UNSENT_EXPIRED,
    notification_send,
    sms_redeliver,
)
from govhall.notify.tasks import deliver_sms
from govhall.notify.tests.factories import ECHOING, RECORDING, user_create

PHONE = "13800138000"
CODE = "402917"
TEMPLATE = "您的验证码为{secret}，5分钟内有效，请勿告诉他人。"
MASKED = "您的验证码为******，5分钟内有效，请勿告诉他人。"
SENT = "您的验证码为402917，5分钟内有效，请勿告诉他人。"
Status = Notification.Status


def send_code(*, valid_for: dt.timedelta = dt.timedelta(minutes=5)) -> Notification:
    (sms,) = notification_send(
        event="account.code.register", text=TEMPLATE, phone=PHONE, secret=CODE, secret_valid_for=valid_for
    )
    return sms


@pytest.fixture
def pending_code(db, django_capture_on_commit_callbacks):
    """A code written but not yet delivered (the task has not run)."""
    with django_capture_on_commit_callbacks(execute=False):
        return send_code()


def stored_row(pk: int) -> str:
    """Every column of the row as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM notify_notification WHERE id = %s", [pk])
        return repr(cursor.fetchone())


def test_the_gateway_gets_the_code_and_the_row_never_holds_it_once_sent(
    db, sms_recorded, django_capture_on_commit_callbacks, notify_log
):
    with django_capture_on_commit_callbacks(execute=True):
        sms = send_code()
    assert sms_recorded == [(PHONE, SENT)]
    row = Notification.objects.get(pk=sms.pk)
    assert (row.status, row.text, row.secret) == (Status.SENT, MASKED, None)
    assert row.secret_expires_at is not None  # marks it as a row never sent without its code
    assert CODE not in stored_row(sms.pk)
    assert CODE not in notify_log.text


def test_until_delivery_the_code_waits_only_in_its_own_column(pending_code, sms_recorded):
    row = Notification.objects.get(pk=pending_code.pk)
    assert (row.status, row.text, row.secret) == (Status.PENDING, MASKED, CODE)
    assert deliver_sms.call(pending_code.pk) == "sent"
    assert sms_recorded == [(PHONE, SENT)]


def test_a_code_sent_by_accounts_is_masked_in_the_row(db, sms_recorded, django_capture_on_commit_callbacks):
    from govhall.accounts.services import phone_code_send

    with django_capture_on_commit_callbacks(execute=True):
        code = phone_code_send(phone=PHONE, purpose="register", address="10.0.0.1")
    row = Notification.objects.get(phone=PHONE)
    assert row.text.startswith("您的验证码为******，") and row.secret is None
    assert CODE not in stored_row(row.pk) and code not in stored_row(row.pk)
    ((phone, text),) = sms_recorded
    assert phone == PHONE and text.startswith(f"您的验证码为{code}，")
    assert dt.timedelta(minutes=4) < row.secret_expires_at - row.created_at <= dt.timedelta(minutes=5)


def test_an_expired_code_is_not_sent_and_is_cleared(pending_code, sms_recorded, notify_log):
    Notification.objects.filter(pk=pending_code.pk).update(secret_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert deliver_sms.call(pending_code.pk) == "failed"
    assert sms_recorded == []
    row = Notification.objects.get(pk=pending_code.pk)
    assert (row.status, row.error, row.secret) == (Status.FAILED, UNSENT_EXPIRED, None)
    assert CODE not in stored_row(row.pk)
    assert UNSENT_EXPIRED in notify_log.text and PHONE not in notify_log.text
    # and it stays unsent
    assert sms_redeliver() == 0
    assert deliver_sms.call(pending_code.pk) == "failed" and sms_recorded == []


def test_redelivery_clears_expired_codes_and_does_not_send_them(db, sms_recorded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        pending, failed, sending = send_code(), send_code(), send_code()
    past = timezone.now() - dt.timedelta(minutes=1)
    old = timezone.now() - dt.timedelta(hours=1)
    Notification.objects.update(secret_expires_at=past, created_at=old)
    Notification.objects.filter(pk=failed.pk).update(status=Status.FAILED, attempts=1)
    Notification.objects.filter(pk=sending.pk).update(status=Status.SENDING, attempts=1)

    assert sms_redeliver() == 0
    assert sms_recorded == []
    rows = {n.pk: (n.status, n.error, n.secret) for n in Notification.objects.all()}
    assert rows == {
        pending.pk: (Status.FAILED, UNSENT_EXPIRED, None),
        failed.pk: (Status.FAILED, UNSENT_EXPIRED, None),
        sending.pk: (Status.SENDING, "", None),  # still for a person to judge, without the code
    }


def test_redelivery_of_a_stale_row_sends_the_code_while_it_is_valid(pending_code, sms_recorded):
    Notification.objects.filter(pk=pending_code.pk).update(created_at=timezone.now() - dt.timedelta(minutes=2))
    assert sms_redeliver(stale_after=dt.timedelta(minutes=1)) == 1
    assert sms_recorded == [(PHONE, SENT)]
    row = Notification.objects.get(pk=pending_code.pk)
    assert (row.status, row.text, row.secret) == (Status.SENT, MASKED, None)


def test_a_failed_code_is_retried_and_an_echoed_code_is_masked(pending_code, settings, sms_recorded, notify_log):
    settings.GOVHALL_SMS_BACKEND = ECHOING
    assert deliver_sms.call(pending_code.pk) == "failed"
    row = Notification.objects.get(pk=pending_code.pk)
    assert row.error == f"内容含敏感词: {MASKED}"
    assert row.secret == CODE  # another attempt may follow
    assert CODE not in notify_log.text

    settings.GOVHALL_SMS_BACKEND = RECORDING
    assert sms_redeliver() == 1
    assert sms_recorded == [(PHONE, SENT)]
    assert Notification.objects.get(pk=pending_code.pk).secret is None


def test_the_last_failure_clears_the_code_for_good(pending_code, settings, sms_recorded):
    Notification.objects.filter(pk=pending_code.pk).update(status=Status.FAILED, attempts=SMS_MAX_ATTEMPTS - 1)
    settings.GOVHALL_SMS_BACKEND = ECHOING
    assert deliver_sms.call(pending_code.pk) == "failed"
    row = Notification.objects.get(pk=pending_code.pk)
    assert (row.attempts, row.secret) == (SMS_MAX_ATTEMPTS, None)
    assert CODE not in stored_row(row.pk)

    # Even asked to try more often, nothing goes out without the code.
    settings.GOVHALL_SMS_BACKEND = RECORDING
    assert sms_redeliver(max_attempts=SMS_MAX_ATTEMPTS + 2) == 0
    assert deliver_sms.call(pending_code.pk) == "failed"
    assert sms_recorded == []
    assert Notification.objects.get(pk=pending_code.pk).error == UNSENT_CLEARED


def test_the_admin_never_shows_or_finds_the_code(admin_client, pending_code):
    listing = admin_client.get("/admin/notify/notification/")
    assert listing.status_code == 200
    assert CODE not in listing.content.decode()
    detail = admin_client.get(f"/admin/notify/notification/{pending_code.pk}/change/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "您的验证码为******" in html and CODE not in html
    found = admin_client.get("/admin/notify/notification/", {"q": CODE})
    assert found.context["cl"].result_count == 0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"text": "您的验证码为123", "secret": CODE, "secret_valid_for": dt.timedelta(minutes=5)},  # no placeholder
        {"text": "{secret}{secret}", "secret": CODE, "secret_valid_for": dt.timedelta(minutes=5)},
        {"text": TEMPLATE, "secret": CODE},  # no validity
        {"text": TEMPLATE, "secret": CODE, "secret_valid_for": dt.timedelta(0)},
        {"text": TEMPLATE, "secret": " 1234 ", "secret_valid_for": dt.timedelta(minutes=5)},
        # another ****** would leave the task unsure where the code goes
        {
            "text": "身份证110101********123X，验证码{secret}",
            "secret": CODE,
            "secret_valid_for": dt.timedelta(minutes=5),
        },
        {"text": "*{secret}", "secret": CODE, "secret_valid_for": dt.timedelta(minutes=5)},
    ],
)
def test_a_secret_needs_one_placeholder_and_a_validity(db, kwargs):
    with pytest.raises(ValueError), transaction.atomic():
        notification_send(event="account.code.register", phone=PHONE, **kwargs)
    assert not Notification.objects.exists()


def test_a_text_without_a_secret_may_quote_the_placeholder(db):
    # A case notice can carry a clerk's comment, which may contain anything.
    notification_send(event="case.corrections", text="请补正：{secret}", phone=PHONE)
    row = Notification.objects.get(phone=PHONE)
    assert (row.text, row.secret, row.secret_expires_at) == ("请补正：{secret}", None, None)


def test_a_secret_never_goes_into_in_site_messages(db):
    user = user_create(phone="13900139000")
    with pytest.raises(ValueError), transaction.atomic():
        notification_send(
            event="account.code.register",
            text=TEMPLATE,
            users=[user],
            phone=PHONE,
            secret=CODE,
            secret_valid_for=dt.timedelta(minutes=5),
        )
    with pytest.raises(ValueError), transaction.atomic():  # nor to the users' own numbers
        notification_send(
            event="account.code.register", text=TEMPLATE, users=[user], secret=CODE, secret_valid_for=dt.timedelta(1)
        )
    assert not Notification.objects.exists()


def test_codes_sent_before_the_secret_column_are_masked_by_the_migration(db):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("govhall.notify.migrations.0004_mask_old_codes")
    old = Notification.objects.create(
        event="account.code.reset", channel="sms", phone=PHONE, text="您的验证码为402917，5分钟内有效。"
    )
    other = Notification.objects.create(event="case.accepted", channel="sms", phone=PHONE, text="办件号123456已受理")
    migration.mask_codes(apps, None)
    old.refresh_from_db()
    other.refresh_from_db()
    assert old.text == "您的验证码为******，5分钟内有效。"
    assert other.text == "办件号123456已受理"  # only code messages are touched
