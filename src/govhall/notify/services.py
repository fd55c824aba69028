"""Writers for notifications. Other apps call :func:`notification_send` only.

Who gets what:

* one in-site message (站内信) per distinct user in ``users``;
* SMS: when ``phone`` is given, one SMS to that number (the applicant's contact
  number on the case; ``recipient`` is empty). When it is empty, one SMS to each
  user's own ``phone``, where set, with duplicate numbers sent once.

SMS rows are written ``pending`` and handed to the ``deliver_sms`` task so that a
transition that rolls back sends nothing, and a slow gateway never holds the caller's
transaction open. When the task queue lives in our own database (``GOVHALL_TASKS=db``,
production), the task row is written in the caller's transaction next to the message
(a transactional outbox: both commit or neither does, and no second write follows the
commit); with any other queue the task is enqueued in ``transaction.on_commit``.

One-time secrets (SMS verification codes) never enter ``text``: the caller writes the
placeholder ``{secret}`` where the code goes and passes the code as ``secret`` with its
validity. The row's text holds the code masked (``******``), so the admin, logs and any
other reader see no code; the code waits in its own column for the delivery task, which
fills it in for the gateway only, and is cleared when the SMS is sent, finally fails or
expires. An expired code is never sent.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from govhall.core.errors import NotFound
from govhall.core.rows import insert_many
from govhall.notify.models import Notification

# The delivery state's names, as callers and the sms_redeliver command know them.
from govhall.notify.sms import SECRET_MASK, SMS_MAX_ATTEMPTS, UNSENT_EXPIRED
from govhall.notify.sms import UNSENT_CLEARED as UNSENT_CLEARED

# Imported, not looked up lazily: the services enqueue the task and the task never imports
# the services back (what it needs to send and record lives below both, in notify.sms), so
# the dependency runs one way and import-linter sees it as it is.
from govhall.notify.tasks import deliver_sms

if TYPE_CHECKING:
    # Notify knows people only as settings.AUTH_USER_MODEL (it sits below accounts): a
    # user with a pk, is_authenticated and a ``phone`` attribute (may be blank).
    from django.contrib.auth.base_user import AbstractBaseUser as User

logger = logging.getLogger("govhall.notify")

SECRET_PLACEHOLDER = "{secret}"  # noqa: S105 - a marker, not a credential
SECRET_MAX_LENGTH = Notification._meta.get_field("secret").max_length


def _enqueue_delivery(notification_id: int) -> None:
    """Hand one SMS to the task backend: in the caller's transaction when the queue is in
    our database (the task row commits with the message), else from on_commit (a queue
    elsewhere must not see a task whose message may still roll back)."""
    deliver_sms.enqueue(notification_id)


def _queue_in_our_database() -> bool:
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends[deliver_sms.backend], DatabaseBackend)


@transaction.atomic(savepoint=False)  # the caller's transaction: all or nothing with it
def notification_send(
    *,
    event: str,
    text: str,
    users: Iterable[User] = (),
    user_ids: Iterable[int] = (),
    phone: str = "",
    case_number: str = "",
    secret: str = "",
    secret_valid_for: dt.timedelta | None = None,
    sms: bool = True,
) -> list[Notification]:
    """Write the in-site messages and SMS for one event; SMS go out after the caller commits.

    Recipients are ``users`` and the users with ``user_ids`` (callers that know only ids and
    give a ``phone`` save loading the users). Runs inside the caller's transaction (or its
    own, called outside one). Returns the rows written: the in-site messages first, then the SMS.

    ``secret`` (a one-time code) goes by SMS to ``phone`` only, in place of the one
    ``{secret}`` in ``text``; it is sent only within ``secret_valid_for`` of now, and the
    rows keep ``text`` with the secret masked.

    ``sms=False``: in-site messages only (staff work alerts: a clerk's phone is not paged for
    every case reaching the queue).
    """
    if not event or not text:
        raise ValueError("notification_send needs an event code and a text")
    now = timezone.now()
    phone = (phone or "").strip()
    user_ids = set(user_ids)
    if user_ids and not phone:  # their own phones are needed
        users, user_ids = [*users, *get_user_model().objects.filter(pk__in=user_ids)], set()
    distinct_users: dict[int, User] = {}
    for user in users:
        distinct_users.setdefault(user.pk, user)
    site_ids = [*distinct_users, *sorted(user_ids - set(distinct_users))]
    secret_expires_at = None
    # Only a call with a secret is one: other texts may quote anything, {secret} included.
    if secret or secret_valid_for is not None:
        text = _mask_secret(text, secret=secret, valid_for=secret_valid_for, to_users=bool(site_ids), phone=phone)
        secret_expires_at = now + secret_valid_for

    site = [
        Notification(
            recipient_id=user_id,
            channel=Notification.Channel.SITE,
            event=event,
            text=text,
            case_number=case_number,
            status=Notification.Status.DELIVERED,
            sent_at=now,
        )
        for user_id in site_ids
    ]

    sms_targets: dict[str, User | None] = {}
    if not sms:
        pass
    elif phone:
        sms_targets[phone] = None
    else:
        for user in distinct_users.values():
            if user.phone and user.phone.strip():
                sms_targets.setdefault(user.phone.strip(), user)
    texts = [
        Notification(
            recipient=user,
            channel=Notification.Channel.SMS,
            phone=number,
            event=event,
            text=text,
            case_number=case_number,
            status=Notification.Status.PENDING,
            secret=secret or None,
            secret_expires_at=secret_expires_at,
        )
        for number, user in sms_targets.items()
    ]

    # One statement where the database returns the new ids (the tasks need them); the ORM's
    # bulk_create cost more than the insert itself on the submit path (docs/benchmarks.md).
    written = insert_many([*site, *texts])
    outbox = bool(texts) and _queue_in_our_database()
    for notification in texts:
        if outbox:
            _enqueue_delivery(notification.pk)
        else:
            # robust: a task queue that is down must not fail a request whose transaction
            # already committed; the SMS stays pending and `manage.py sms_redeliver` picks it up.
            transaction.on_commit(functools.partial(_enqueue_delivery, notification.pk), robust=True)
    return written


def _mask_secret(text: str, *, secret: str, valid_for: dt.timedelta | None, to_users: bool, phone: str) -> str:
    """``text`` with its one ``{secret}`` masked, after checking the call can keep the
    secret out of every stored text."""
    if not secret or valid_for is None or valid_for <= dt.timedelta(0):
        raise ValueError("a {secret} in the text needs the secret and a positive secret_valid_for")
    if to_users or not phone:
        raise ValueError("a secret goes by SMS to one phone only, never into in-site messages")
    if len(secret) > SECRET_MAX_LENGTH or secret != secret.strip():
        raise ValueError(f"a secret is at most {SECRET_MAX_LENGTH} characters, without surrounding space")
    masked = text.replace(SECRET_PLACEHOLDER, SECRET_MASK)
    # The task puts the secret back at the first mask: that must be where the placeholder was.
    if text.count(SECRET_PLACEHOLDER) != 1 or masked.replace(SECRET_MASK, SECRET_PLACEHOLDER, 1) != text:
        raise ValueError(f"the text needs exactly one {SECRET_PLACEHOLDER} and no other {SECRET_MASK}")
    return masked


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    """Mark one of the user's own in-site messages read (idempotent).

    Anyone else's message, or an SMS row, is :class:`NotFound`: the answer does not
    reveal that the id exists.
    """
    notification = (
        Notification.objects.select_for_update()
        .filter(pk=notification_id, recipient_id=user.pk, channel=Notification.Channel.SITE)
        .first()
    )
    if notification is None:
        raise NotFound("未找到该消息")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: User) -> int:
    """Mark all of the user's unread in-site messages read; returns how many changed."""
    return Notification.objects.filter(
        recipient_id=user.pk, channel=Notification.Channel.SITE, read_at__isnull=True
    ).update(read_at=timezone.now())


def sms_redeliver(*, stale_after: dt.timedelta = dt.timedelta(minutes=10), max_attempts: int = SMS_MAX_ATTEMPTS) -> int:
    """Enqueue delivery again for SMS left ``pending`` (the process stopped between the
    commit and the enqueue, or the queue was down) for longer than ``stale_after``, and
    for ``failed`` SMS tried fewer than ``max_attempts`` times. Returns how many.

    Messages stuck in ``sending`` are left alone: the gateway may have accepted them,
    and a person should decide (at most once beats twice for an SMS).

    First, every secret past its validity is cleared (so run this from cron even where
    nothing fails), and an unsent SMS that held one is recorded as failed; an SMS whose
    secret is gone is never enqueued again.
    """
    now = timezone.now()
    sms = Notification.objects.filter(channel=Notification.Channel.SMS)
    expired = sms.filter(secret__isnull=False, secret_expires_at__lte=now)
    unsent = [Notification.Status.PENDING, Notification.Status.FAILED]
    expired.filter(status__in=unsent).update(status=Notification.Status.FAILED, error=UNSENT_EXPIRED, secret=None)
    # One left in sending waits for a person (below), who has no use for an expired code.
    expired.filter(status=Notification.Status.SENDING).update(secret=None)
    cutoff = now - stale_after
    ids = list(
        sms.filter(
            Q(status=Notification.Status.PENDING, created_at__lt=cutoff)
            | Q(status=Notification.Status.FAILED, attempts__lt=max_attempts)
        )
        .filter(Q(secret_expires_at__isnull=True) | Q(secret__isnull=False, secret_expires_at__gt=now))
        .order_by("id")
        .values_list("id", flat=True)
    )
    for notification_id in ids:
        _enqueue_delivery(notification_id)
    if ids:
        logger.info("re-enqueued %d SMS for delivery", len(ids))
    return len(ids)
