"""An SMS's delivery state, for the ``deliver_sms`` task (``notify.tasks``): claim it, fill in
its secret for the gateway, record what the gateway said.

Below both ``notify.services`` and ``notify.tasks``: the services write messages and
enqueue the task, the task sends through these, and neither imports the other back.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from govhall.notify.models import Notification

SECRET_MASK = "******"  # noqa: S105 - a marker, not a credential
UNSENT_EXPIRED = "验证码已过有效期，未发送"
UNSENT_CLEARED = "验证码已清除，未发送"
# A failed SMS is tried again (sms_redeliver) until it has been tried this often; an SMS
# that fails for the last time gives up its secret.
SMS_MAX_ATTEMPTS = 3


def sms_claim(*, notification_id: int) -> bool:
    """Move a pending or failed SMS to ``sending`` and count the attempt, atomically.

    Only one worker can win the claim, so a task that runs twice (a retried job, two
    workers) sends at most once.
    """
    claimed = Notification.objects.filter(
        pk=notification_id,
        channel=Notification.Channel.SMS,
        status__in=[Notification.Status.PENDING, Notification.Status.FAILED],
    ).update(status=Notification.Status.SENDING, attempts=F("attempts") + 1, error="")
    return claimed == 1


def sms_text(notification: Notification) -> str | None:
    """The text for the gateway: the stored text with its secret filled in; None when the
    SMS held a secret that has expired or is gone (it must not be sent)."""
    if notification.secret_expires_at is None:
        return notification.text
    if not notification.secret or notification.secret_expires_at <= timezone.now():
        return None
    return notification.text.replace(SECRET_MASK, notification.secret, 1)


def sms_record_sent(*, notification_id: int, reference: str) -> None:
    Notification.objects.filter(pk=notification_id).update(
        status=Notification.Status.SENT, gateway_ref=reference[:100], sent_at=timezone.now(), error="", secret=None
    )


def sms_record_failed(*, notification_id: int, error: str) -> None:
    """Record a failed attempt; the secret is kept for another only while one may follow."""
    retry = Q(attempts__lt=SMS_MAX_ATTEMPTS, secret_expires_at__gt=timezone.now())
    Notification.objects.filter(pk=notification_id).update(
        status=Notification.Status.FAILED,
        error=error[:1000],
        secret=Case(When(retry, then=F("secret")), default=Value(None), output_field=models.CharField()),
    )


def sms_record_unsendable(*, notification: Notification) -> str:
    """Record an SMS that :func:`sms_text` refused as failed, unsent, with its secret
    cleared; returns the error recorded."""
    expired = notification.secret_expires_at is not None and notification.secret_expires_at <= timezone.now()
    error = UNSENT_EXPIRED if expired else UNSENT_CLEARED
    Notification.objects.filter(pk=notification.pk).update(status=Notification.Status.FAILED, error=error, secret=None)
    return error
