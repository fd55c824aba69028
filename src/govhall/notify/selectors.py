"""Reads for notifications: a user's inbox of in-site messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from govhall.notify.models import Notification

if TYPE_CHECKING:  # notify knows people only as settings.AUTH_USER_MODEL
    from django.contrib.auth.base_user import AbstractBaseUser as User


def inbox(user: User) -> QuerySet[Notification]:
    """The user's in-site messages (站内信), newest first. Anonymous users have none."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk, channel=Notification.Channel.SITE).order_by(
        "-created_at", "-id"
    )


def unread_count(user: User) -> int:
    return inbox(user).filter(read_at__isnull=True).count()
