"""API bearer tokens: created against the credentials, looked up on every API request."""

from __future__ import annotations

import datetime as dt
import functools
import secrets

from django.conf import settings
from django.db import connection
from django.utils import timezone

from govhall.accounts import twofactor
from govhall.accounts.models import ApiToken, StaffProfile, User
from govhall.accounts.services.login import credentials_check
from govhall.audit import services as audit
from govhall.audit.models import Kind
from govhall.core import rows
from govhall.core.errors import DomainError


def token_create(*, username: str, password: str, otp: str | None = None, address: str = "") -> str:
    """Check the credentials and return a new bearer key (shown once, stored hashed).

    A staff account, while ``GOVHALL_STAFF_2FA`` is on, also needs ``otp``: a code from its
    authenticator or a recovery code (``accounts.twofactor``); applicants never do."""
    with audit.context(address=address, channel="api"):  # for the sign-in failure's event
        user = credentials_check(username=username, password=password, address=address)
    if user is None:
        raise DomainError("用户名或密码不正确", code="invalid_credentials", status=401)
    if twofactor.required(user):
        if not twofactor.normal_code(otp):
            raise DomainError(
                "工作人员账户还须提供动态验证码（otp）：身份验证器上当前显示的6位数字，或一个恢复码",
                code="otp_required",
                status=401,
            )
        if twofactor.confirmed_device(user) is None:
            raise DomainError(
                "该工作人员账户尚未绑定身份验证器：请先在网页上登录，按提示完成绑定",
                code="otp_not_enrolled",
                status=403,
            )
        twofactor.otp_verify(user=user, code=otp, address=address, channel="api")
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        key_hash=ApiToken.hash_key(key),
        expires_at=timezone.now() + dt.timedelta(hours=settings.GOVHALL_TOKEN_TTL_HOURS),
    )
    audit.record(kind=Kind.SIGN_IN, actor=user, subject=user, address=address, data={"channel": "api"})
    return key


def token_user(key: str) -> User | None:
    """The active user a bearer key belongs to, or None if unknown or expired; the user's
    staff profile (or its absence, for applicants) comes along, as every API request asks
    for it to work out the caller's scope.

    Every API request runs this, so it is one plain statement (``core.rows``): the ORM
    spent longer compiling the equivalent join than the database spent running it
    (``tests/test_tokens.py`` holds the ORM form and checks both agree)."""
    now = timezone.now()
    ops = connection.ops
    minute_ago = ops.adapt_datetimefield_value(now - dt.timedelta(minutes=1))
    found = _TOKEN.fetch(_token_sql(), [minute_ago, ApiToken.hash_key(key), ops.adapt_datetimefield_value(now)])
    if not found:
        return None
    user, profile, token = found[0]
    if profile is not None:
        StaffProfile.user.field.set_cached_value(profile, user)
    User.staff_profile.related.set_cached_value(user, profile)  # None: DoesNotExist without a query
    # Record use at most once a minute: a token used per request must not write per request.
    if token["stale"]:
        ApiToken.objects.filter(pk=token["id"]).update(last_used_at=now)
    return user


_TOKEN = rows.Shape(User, StaffProfile, extra=[("id", None), ("stale", None)])


@functools.cache
def _token_sql() -> str:
    q = rows.quote
    # Only names from the models' metadata are put in; every value is a parameter.
    return (
        f"SELECT {_TOKEN.columns('u', 'p')}, t.id, (t.last_used_at IS NULL OR t.last_used_at < %s)"  # noqa: S608
        f" FROM {q(ApiToken._meta.db_table)} t"
        f" JOIN {q(User._meta.db_table)} u ON u.id = t.user_id"
        f" LEFT JOIN {q(StaffProfile._meta.db_table)} p ON p.user_id = u.id"
        " WHERE t.key_hash = %s AND t.expires_at > %s AND u.is_active"
    )


def token_revoke(*, key: str) -> None:
    ApiToken.objects.filter(key_hash=ApiToken.hash_key(key)).delete()
