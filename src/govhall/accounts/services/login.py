"""Signing in: the limits against password guessing, credentials, changing a password.

Failed logins are counted three ways (docs/security.md, "Limits and locks"):

- per account *and* address: past LOGIN_FAILURES_PER_PAIR in LOGIN_LOCK_MINUTES that pair
  is refused, before the password is hashed; the owner elsewhere is not;
- per address, whatever the account: past LOGIN_FAILURES_PER_ADDRESS in LOGIN_LOCK_MINUTES
  the address is refused (one address trying many accounts), except for accounts that
  have signed in from it before (see below);
- per account, from anywhere: past LOGIN_FAILURES_PER_USER in LOGIN_ACCOUNT_HOURS the
  owner is *not* refused, but a password from an address the account has not signed in
  from within KNOWN_ADDRESS_DAYS is checked only together with a one-time code sent to
  the account's mobile number (``codes``, purpose ``login``): guessing from many addresses
  stops, and so does locking the owner out from them.

Each attempt is counted before the password is checked (``core.limits``: parallel attempts
each take a number, so no more than the limits are ever checked) and a success gives its
counts back. Unknown usernames count and answer alike, so the limits do not tell which
accounts exist. Administrators lift an account's limits (``login_unlock``), and so does
resetting the password by SMS.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction

from govhall.accounts.models import ApiToken, User
from govhall.accounts.services.codes import code_send, code_use, code_verify
from govhall.core import limits
from govhall.core.errors import DomainError

logger = logging.getLogger(__name__)

LOGIN_FAILURES_PER_PAIR = 5
LOGIN_FAILURES_PER_ADDRESS = 30
LOGIN_LOCK_MINUTES = 15
LOGIN_FAILURES_PER_USER = 10  # then an SMS code from addresses the account has not signed in from
LOGIN_ACCOUNT_HOURS = 24
KNOWN_ADDRESS_DAYS = 30


@dataclass(frozen=True)
class _Keys:
    account: str  # the login name as counted: trimmed, case folded
    pair: str
    address: str
    failures: str  # the account's, from anywhere
    known: str  # the account has signed in from this address

    @classmethod
    def of(cls, username: str, address: str) -> _Keys:
        account, source = username.strip().lower(), limits.source_of(address)
        return cls(
            account=account,
            pair=limits.key_for("login-pair", account, source),
            address=limits.key_for("login-address", source),
            failures=limits.key_for("login-account", account),
            known=limits.key_for("login-known", account, source),
        )


def _locked() -> DomainError:
    return DomainError(
        f"登录失败次数过多，已暂时锁定，请{LOGIN_LOCK_MINUTES}分钟后再试",
        code="login_locked",
        status=429,
        retry_after=LOGIN_LOCK_MINUTES * 60,
    )


def _code_required() -> DomainError:
    return DomainError(
        "该账户近期登录失败次数较多。为保护账户安全，从此网络登录还须输入发送到账户绑定手机的短信验证码",
        code="login_code_required",
        status=401,
    )


def _known(keys: _Keys) -> bool:
    return limits.counts(keys.known)[0] > 0


def login_check(*, username: str, address: str) -> None:
    """Refuse (429) a login for this account from this address, or from this address at all,
    past its failure limit. Reads only; :func:`credentials_check` counts as it checks."""
    keys = _Keys.of(username, address)
    pair, by_address = limits.counts(keys.pair, keys.address)
    if pair >= LOGIN_FAILURES_PER_PAIR or (by_address >= LOGIN_FAILURES_PER_ADDRESS and not _known(keys)):
        raise _locked()


def login_code_required(*, username: str, address: str) -> bool:
    """Whether a password for this account from this address is checked only with an SMS
    code now (the account is past its failures from anywhere, and the address is new to it)."""
    keys = _Keys.of(username, address)
    return limits.counts(keys.failures)[0] >= LOGIN_FAILURES_PER_USER and not _known(keys)


def login_failed(*, username: str, address: str) -> None:
    """Count a failed sign-in that was checked elsewhere (a caller's own credential check)."""
    keys = _Keys.of(username, address)
    limits.hit(keys.pair, LOGIN_LOCK_MINUTES * 60)
    limits.hit(keys.address, LOGIN_LOCK_MINUTES * 60)
    limits.hit(keys.failures, LOGIN_ACCOUNT_HOURS * 3600)
    logger.warning("login failed for an account from %s", address)


def login_succeeded(*, username: str, address: str = "") -> None:
    """This address knows the account's password: its failures for the account are
    forgotten, and for KNOWN_ADDRESS_DAYS it signs in without a code."""
    keys = _Keys.of(username, address)
    limits.reset(keys.pair)
    limits.hit(keys.known, KNOWN_ADDRESS_DAYS * 24 * 3600)


def locked_usernames(usernames: list[str]) -> set[str]:
    """Which of ``usernames`` are past their failures from anywhere now (their password is
    checked only with an SMS code from new addresses); one read for them all."""
    keys = [_Keys.of(name, "").failures for name in usernames]
    return {
        name
        for name, failures in zip(usernames, limits.counts(*keys), strict=True)
        if failures >= LOGIN_FAILURES_PER_USER
    }


def login_unlock(*, username: str, actor: User) -> None:
    """解除锁定: an administrator lifts an account's limits (the owner has proved who they
    are, say, on the 12345 hotline): its failures from anywhere and its lock at every
    address count from zero again. (An address's own lock, over all accounts, stays.)"""
    keys = _Keys.of(username, "")
    limits.reset(keys.failures)
    limits.reset_prefix(limits.key_for("login-pair", keys.account))
    logger.info("a login lock was lifted by %s", actor.pk)  # usernames may be phone numbers


def _phone_of(username: str) -> str | None:
    """The mobile number of the active account signing in as ``username``: its own, or the
    login name when that is one (registered persons)."""
    from govhall.accounts.validators import validate_mobile

    user = User.objects.filter(username=username.strip(), is_active=True).first()
    if user is None:
        return None
    for number in (user.phone, user.username):
        try:
            validate_mobile(number)
        except ValidationError:
            continue
        return number
    return None


def login_code_send(*, username: str, address: str) -> str:
    """Send the one-time code for signing in to the account's mobile number, when the
    account needs one from this address (otherwise 400 ``code_not_needed``). For an unknown
    name or an account without a number everything happens but the SMS, so the answer does
    not tell which accounts exist. Returns the code (never shown: it would hand the account
    to whoever knows its password and name)."""
    if not login_code_required(username=username, address=address):
        raise DomainError("无需短信验证码，请直接输入密码登录", code="code_not_needed")
    keys = _Keys.of(username, address)
    return code_send(subject=keys.account, purpose="login", address=address, phone=_phone_of(username))


def credentials_check(*, username: str, password: str, address: str, request=None, code: str = "") -> User | None:
    """The active user with these credentials, or None (a failure, counted). Refused
    (DomainError) without checking the password: 429 ``login_locked`` past the limit of
    this account at this address or of this address, 401 ``login_code_required`` when the
    account is past its failures from anywhere, this address is new to it and ``code`` (the
    SMS code of :func:`login_code_send`) is missing; a wrong ``code`` raises as
    ``codes.code_verify`` does and counts as a failure."""
    keys = _Keys.of(username, address)
    known = _known(keys)
    taken: list[str] = []

    def refuse(error: DomainError) -> DomainError:
        limits.give_back(*taken)  # not checked: not a failure
        logger.warning("login refused (%s) for an account from %s", error.code, address)
        return error

    # Counted before the password is checked; each past its limit refuses.
    taken.append(keys.address)
    if limits.hit(keys.address, LOGIN_LOCK_MINUTES * 60) > LOGIN_FAILURES_PER_ADDRESS and not known:
        raise refuse(_locked())
    taken.append(keys.pair)
    if limits.hit(keys.pair, LOGIN_LOCK_MINUTES * 60) > LOGIN_FAILURES_PER_PAIR:
        raise refuse(_locked())
    taken.append(keys.failures)
    code_id = None
    if limits.hit(keys.failures, LOGIN_ACCOUNT_HOURS * 3600) > LOGIN_FAILURES_PER_USER and not known:
        if not code.strip():
            raise refuse(_code_required())
        code_id = code_verify(subject=keys.account, purpose="login", code=code)  # a wrong one: a failure
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        logger.warning("login failed for an account from %s", address)
        return None
    if code_id is not None:
        code_use(code_id)
    limits.give_back(keys.address, keys.failures)
    login_succeeded(username=username, address=address)
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
