"""Background delivery of SMS (the Django tasks API; `manage.py db_worker` in production)."""

from __future__ import annotations

import logging

from django_tasks import task

from govhall.core.masking import mask_phone, mask_text
from govhall.notify.backends import SmsError, get_backend
from govhall.notify.models import Notification
from govhall.notify.sms import (
    SECRET_MASK,
    sms_claim,
    sms_record_failed,
    sms_record_sent,
    sms_record_unsendable,
    sms_text,
)

logger = logging.getLogger("govhall.notify")


@task()
def deliver_sms(notification_id: int) -> str:
    """Send one SMS through the configured gateway and record the outcome; returns the status.

    Safe to run more than once: only a ``pending`` or ``failed`` message is claimed,
    so a ``sent`` one is never sent again. Gateway failures are recorded on the row
    (status ``failed``, ``error``) and logged with the phone masked; the task itself
    does not raise for them, because the task runner would log the traceback, and
    a gateway's error text may carry the number.

    A one-time secret is filled into the text here, for the gateway only; an SMS whose
    secret has expired (or is gone) is recorded as failed and not sent.
    """
    if not sms_claim(notification_id=notification_id):
        status = Notification.objects.filter(pk=notification_id).values_list("status", flat=True).first()
        logger.info("SMS %s not sent again (status %s)", notification_id, status or "missing")
        return status or "missing"
    notification = Notification.objects.get(pk=notification_id)
    text = sms_text(notification)
    if text is None:
        error = sms_record_unsendable(notification=notification)
        logger.warning("SMS %s to %s not sent: %s", notification_id, mask_phone(notification.phone), error)
        return Notification.Status.FAILED.value
    try:
        reference = get_backend().send(notification.phone, text)
    except SmsError as exc:
        error = mask_text(str(exc)) or "网关拒绝"
    except Exception as exc:  # an adapter's bug must not leave the message in "sending"
        error = mask_text(f"{type(exc).__name__}: {exc}")
    else:
        sms_record_sent(notification_id=notification_id, reference=reference)
        logger.info("SMS %s sent to %s (ref %s)", notification_id, mask_phone(notification.phone), reference)
        return Notification.Status.SENT.value
    if notification.secret:  # a gateway's error may quote the message back
        error = error.replace(notification.secret, SECRET_MASK)
    sms_record_failed(notification_id=notification_id, error=error)
    logger.warning(
        "SMS %s to %s failed (attempt %d): %s",
        notification_id,
        mask_phone(notification.phone),
        notification.attempts,
        error,
    )
    return Notification.Status.FAILED.value
