import pytest

from govhall.notify.models import Notification
from govhall.notify.services import notification_send
from govhall.notify.tasks import deliver_sms
from govhall.notify.tests.factories import BROKEN, FAILING, RECORDING

PHONE = "13800138000"
MASKED = "138****8000"
Status = Notification.Status


@pytest.fixture
def pending_sms(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        (sms,) = notification_send(event="case.accepted", text="您的办件已受理", phone=PHONE, case_number="B9")
    return sms


def test_delivering_twice_does_not_send_again(pending_sms, sms_recorded):
    assert deliver_sms.call(pending_sms.pk) == "sent"
    assert deliver_sms.call(pending_sms.pk) == "sent"
    result = deliver_sms.enqueue(pending_sms.pk)  # through the task backend too
    assert result.return_value == "sent"
    assert sms_recorded == [(PHONE, "您的办件已受理")]
    pending_sms.refresh_from_db()
    assert (pending_sms.status, pending_sms.attempts, pending_sms.gateway_ref) == (Status.SENT, 1, "rec-1")


def test_an_sms_being_sent_elsewhere_is_left_alone(pending_sms, sms_recorded):
    Notification.objects.filter(pk=pending_sms.pk).update(status=Status.SENDING, attempts=1)
    assert deliver_sms.call(pending_sms.pk) == "sending"
    assert sms_recorded == []


def test_missing_or_site_rows_are_not_sent(db, sms_recorded):
    from govhall.notify.tests.factories import user_create

    (site,) = notification_send(event="case.accepted", text="站内信", users=[user_create(phone="")])
    assert deliver_sms.call(site.pk) == "delivered"
    assert deliver_sms.call(987654) == "missing"
    assert sms_recorded == []


def test_failure_is_recorded_masked_and_retried(pending_sms, settings, sms_recorded, notify_log):
    settings.GOVHALL_SMS_BACKEND = FAILING
    result = deliver_sms.enqueue(pending_sms.pk)
    assert result.status == "SUCCESSFUL"  # recorded, not raised: the task runner logs tracebacks unmasked
    assert result.return_value == "failed"
    pending_sms.refresh_from_db()
    assert (pending_sms.status, pending_sms.attempts, pending_sms.sent_at) == (Status.FAILED, 1, None)
    assert pending_sms.error == f"号码 {MASKED} 已停机"

    settings.GOVHALL_SMS_BACKEND = RECORDING
    assert deliver_sms.call(pending_sms.pk) == "sent"
    pending_sms.refresh_from_db()
    assert (pending_sms.status, pending_sms.attempts, pending_sms.error) == (Status.SENT, 2, "")
    assert sms_recorded == [(PHONE, "您的办件已受理")]

    messages = [r.getMessage() for r in notify_log.records]
    assert any("failed" in m and MASKED in m for m in messages), messages
    assert any("sent" in m and MASKED in m for m in messages), messages
    assert not any(PHONE in m for m in messages), messages
    assert PHONE not in notify_log.text


def test_an_adapter_bug_is_recorded_as_a_failure(pending_sms, settings, notify_log):
    settings.GOVHALL_SMS_BACKEND = BROKEN
    assert deliver_sms.call(pending_sms.pk) == "failed"
    pending_sms.refresh_from_db()
    assert pending_sms.status == Status.FAILED
    assert pending_sms.error == f"KeyError: '{MASKED}'"
    assert PHONE not in notify_log.text


def test_outbox_backend_keeps_the_message_and_logs_masked(pending_sms, settings, notify_log):
    settings.GOVHALL_SMS_BACKEND = "govhall.notify.backends.OutboxBackend"
    assert deliver_sms.call(pending_sms.pk) == "sent"
    pending_sms.refresh_from_db()
    assert pending_sms.gateway_ref.startswith("outbox-")
    assert MASKED in notify_log.text and PHONE not in notify_log.text


def test_database_task_backend_queues_in_the_callers_transaction(
    db, settings, sms_recorded, django_capture_on_commit_callbacks
):
    """Production path: the task row is written next to the message, in the same transaction
    (an outbox: a rolled-back change queues nothing, a committed one cannot lose its SMS);
    `db_worker` runs it later. (The worker itself closes connections, so it is not run
    inside this test's transaction.)"""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with pytest.raises(RuntimeError), transaction.atomic():
        notification_send(event="case.accepted", text="已受理", phone=PHONE)
        assert DBTaskResult.objects.count() == 1
        raise RuntimeError("the caller fails after the message was written")
    assert not DBTaskResult.objects.exists() and not Notification.objects.exists()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        (sms,) = notification_send(event="case.accepted", text="已受理", phone=PHONE)
    assert callbacks == []  # nothing waits for the commit
    queued = DBTaskResult.objects.get()
    assert (queued.task_path, queued.args_kwargs) == (
        "govhall.notify.tasks.deliver_sms",
        {"args": [sms.pk], "kwargs": {}},
    )
    assert sms_recorded == []
    assert queued.task.call(*queued.args_kwargs["args"]) == "sent"
    assert sms_recorded == [(PHONE, "已受理")]
