"""Writers for accounts: tokens, role groups, staff."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from govhall.accounts.models import ApiToken, User
from govhall.accounts.roles import ROLE_PERMISSIONS, Role
from govhall.core.errors import DomainError


def token_create(*, username: str, password: str) -> str:
    """Check the credentials and return a new bearer key (shown once, stored hashed)."""
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        raise DomainError("用户名或密码不正确", code="invalid_credentials", status=401)
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        key_hash=ApiToken.hash_key(key),
        expires_at=timezone.now() + dt.timedelta(hours=settings.GOVHALL_TOKEN_TTL_HOURS),
    )
    return key


def token_user(key: str) -> User | None:
    """The active user a bearer key belongs to, or None if unknown or expired."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), expires_at__gt=now, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    # Record use at most once a minute: a token used per request must not write per request.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, key: str) -> None:
    ApiToken.objects.filter(key_hash=ApiToken.hash_key(key)).delete()


@transaction.atomic
def role_groups_ensure() -> dict[str, Group]:
    """Create one group per role with its permissions (idempotent)."""
    groups = {}
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.label)
        wanted = ROLE_PERMISSIONS.get(role, [])
        perms = [
            Permission.objects.get(content_type__app_label=p.split(".")[0], codename=p.split(".")[1]) for p in wanted
        ]
        group.permissions.set(perms)
        groups[role.value] = group
    return groups
