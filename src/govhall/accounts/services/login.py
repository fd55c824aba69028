"""Signing in: the lock against password guessing, credentials, changing a password."""

from __future__ import annotations

import logging

from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import transaction

from govhall.accounts.models import ApiToken, User
from govhall.core import limits
from govhall.core.errors import DomainError

logger = logging.getLogger(__name__)


# Failed logins are counted per username (whoever tries it, from wherever) and per client
# address. Past either limit the login is refused for the rest of the window, before the
# password is even hashed: guessing stops, and so does burning a CPU second per attempt.
# Unknown usernames count alike, so the lock does not tell which accounts exist. The
# counters live in the cache (shared by all workers when the cache is).
LOGIN_FAILURES_PER_USER = 5
LOGIN_FAILURES_PER_ADDRESS = 30
LOGIN_LOCK_MINUTES = 15


def _login_keys(username: str, address: str) -> tuple[str, str]:
    return limits.key_for("login-failures:user", username.strip().lower()), f"login-failures:address:{address}"


def login_check(*, username: str, address: str) -> None:
    """Refuse (429) a login for a username or from an address past its failure limit."""
    by_user, by_address = limits.counts(*_login_keys(username, address))
    if by_user >= LOGIN_FAILURES_PER_USER or by_address >= LOGIN_FAILURES_PER_ADDRESS:
        raise DomainError(
            f"登录失败次数过多，已暂时锁定，请{LOGIN_LOCK_MINUTES}分钟后再试", code="login_locked", status=429
        )


def login_failed(*, username: str, address: str) -> None:
    for key in _login_keys(username, address):
        limits.hit(key, LOGIN_LOCK_MINUTES * 60)
    logger.warning("login failed for a username from %s", address)


def login_succeeded(*, username: str) -> None:
    _forget_failures(username)


def _forget_failures(username: str) -> None:
    cache.delete(_login_keys(username, "")[0])


def locked_usernames(usernames: list[str]) -> set[str]:
    """Which of ``usernames`` are refused logins now (the per-address lock aside); one read
    of the cache for them all."""
    keys = [_login_keys(name, "")[0] for name in usernames]
    return {
        name
        for name, failures in zip(usernames, limits.counts(*keys), strict=True)
        if failures >= LOGIN_FAILURES_PER_USER
    }


def login_unlock(*, username: str, actor: User) -> None:
    """解除锁定: an administrator lifts a username's lock (the account's owner has proved who
    they are, say, on the 12345 hotline); its failures count from zero again."""
    _forget_failures(username)
    logger.info("a login lock was lifted by %s", actor.pk)  # usernames may be phone numbers


def credentials_check(*, username: str, password: str, address: str, request=None) -> User | None:
    """The active user with these credentials, or None, counting failures; refused
    outright while the username or address is locked (:func:`login_check`)."""
    login_check(username=username, address=address)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        login_failed(username=username, address=address)
        return None
    login_succeeded(username=username)
    return user


def password_change(*, user: User, new_password: str) -> None:
    """Set a new password (already validated) and revoke the user's bearer tokens: whoever
    holds one of them, perhaps the reason for the change, is locked out with the old password.
    The sessions of other browsers end too (Django ties each to the password's hash)."""
    from django.contrib.auth.password_validation import password_changed

    hashed = make_password(new_password)  # a second of CPU: not inside the write transaction
    with transaction.atomic():
        user.password = hashed
        user.save(update_fields=["password"])
        revoked, _ = ApiToken.objects.filter(user=user).delete()
    password_changed(new_password, user)  # as set_password would tell the validators
    logger.info("user %s changed their password; %s API tokens revoked", user.pk, revoked)
