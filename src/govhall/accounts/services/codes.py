"""One-time codes by SMS: 实名注册, 找回密码, and signing in to an account that has had many
failed logins (``login``). Limits and their arithmetic: docs/security.md.

A code is 6 digits, valid CODE_MINUTES, kept in the cache as an HMAC (keyed by SECRET_KEY,
so a copy of the cache does not give it away) with a random id. Its guesses are counted by
that id in ``core.limits`` *before* the code is compared (parallel guesses each take a
number; at most CODE_TRIES are ever compared), and it is used up by a counter too, so two
requests with the right code cannot both use it. The SMS row keeps its text with the code
masked; the code itself goes to notify as a secret, held only until it is sent or
CODE_MINUTES pass.

Sending is limited per number (one a minute per purpose, CODES_PER_PHONE_HOUR an hour,
CODES_PER_PHONE_DAY a day, the pattern of the SMS gateways' own limits) and per address, so
the gateway cannot be turned against someone's phone, and the daily limit bounds how many
codes can be guessed at: CODES_PER_PHONE_DAY × CODE_TRIES guesses a day against one
number."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.cache import cache

from govhall.accounts.services.input import clean_mobile
from govhall.core import limits
from govhall.core.errors import DomainError
from govhall.notify.services import notification_send  # notify sits below accounts

CODE_MINUTES = 5
CODE_TRIES = 5
CODES_PER_PHONE_HOUR = 5
CODES_PER_PHONE_DAY = 10
CODES_PER_ADDRESS_HOUR = 20

TEXT = "您的验证码为{secret}，{minutes}分钟内有效，请勿告诉他人。如非本人操作，请忽略本短信。"


def _store_key(subject: str, purpose: str) -> str:
    return limits.key_for(f"phone-code:{purpose}", subject)


def _digest(subject: str, purpose: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{subject}:{code}".encode(), hashlib.sha256).hexdigest()


def code_send(*, subject: str, purpose: str, address: str, phone: str | None) -> str:
    """A new code for ``subject`` (a mobile number, or an account's login name) and
    ``purpose``, sent by SMS to ``phone`` when there is one (otherwise everything happens
    but the SMS, so the answer does not tell whether there was a number to send to).
    Replaces an earlier code. Refused (429) past a sending limit, counted before sending.
    Returns the code (the caller shows it only in development)."""
    by_phone = phone or subject
    minute = limits.Limit(limits.key_for(f"phone-code-minute:{purpose}", subject), 1, 60)
    hour = limits.Limit(limits.key_for("phone-code-hour", by_phone), CODES_PER_PHONE_HOUR, 3600)
    day = limits.Limit(limits.key_for("phone-code-day", by_phone), CODES_PER_PHONE_DAY, 24 * 3600)
    by_address = limits.Limit(
        limits.key_for("phone-code-address", limits.source_of(address)), CODES_PER_ADDRESS_HOUR, 3600
    )
    refused = limits.take(minute, hour, day, by_address)
    if refused is minute:
        raise DomainError("验证码已发送，请1分钟后再获取", code="code_too_soon", status=429, retry_after=60)
    if refused is day:
        raise DomainError(
            "今天获取验证码的次数已达上限，请明天再试", code="code_rate_limited", status=429, retry_after=24 * 3600
        )
    if refused is not None:
        raise DomainError("获取验证码过于频繁，请1小时后再试", code="code_rate_limited", status=429, retry_after=3600)
    code = f"{secrets.randbelow(10**6):06d}"
    sent = {"id": secrets.token_hex(16), "digest": _digest(subject, purpose, code)}
    cache.set(_store_key(subject, purpose), sent, CODE_MINUTES * 60)
    if phone:
        notification_send(
            event=f"account.code.{purpose}",
            text=TEXT.replace("{minutes}", str(CODE_MINUTES)),
            phone=phone,
            secret=code,
            secret_valid_for=dt.timedelta(minutes=CODE_MINUTES),
        )
    return code


def code_verify(*, subject: str, purpose: str, code: str) -> str:
    """Check ``code`` against the one sent for ``subject`` and ``purpose`` without using it
    up; returns its id for :func:`code_use`. Raises: none sent or expired, used, wrong, or
    too many wrong guesses (the code is then void). The guess is counted before it is
    compared."""
    sent = cache.get(_store_key(subject, purpose))
    if sent is None:
        raise DomainError("验证码已失效，请重新获取", code="code_expired")
    guesses = limits.hit(limits.key_for("phone-code-guesses", sent["id"]), CODE_MINUTES * 60)
    if guesses > CODE_TRIES or limits.counts(_used_key(sent["id"]))[0]:
        raise DomainError("验证码已失效，请重新获取", code="code_expired")
    if not hmac.compare_digest(sent["digest"], _digest(subject, purpose, code.strip())):
        if guesses == CODE_TRIES:
            raise DomainError("验证码错误次数过多，已失效，请重新获取", code="code_expired")
        raise DomainError("验证码不正确", code="code_wrong")
    return sent["id"]


def _used_key(code_id: str) -> str:
    return limits.key_for("phone-code-used", code_id)


def code_use(code_id: str) -> None:
    """Use up a verified code: the first caller does, any other gets "expired"."""
    if limits.hit(_used_key(code_id), CODE_MINUTES * 60) > 1:
        raise DomainError("验证码已失效，请重新获取", code="code_expired")


def phone_code_send(*, phone: str, purpose: str, address: str, deliver: bool = True) -> str:
    """Send a 6-digit code to ``phone`` for ``purpose``; returns the code (the caller shows
    it only in development). A new code replaces an earlier one. With ``deliver`` False
    everything happens but the SMS (a reset for a number no account has: the answer and
    the limits stay the same, so they do not tell which numbers have accounts)."""
    phone = clean_mobile(phone)
    return code_send(subject=phone, purpose=purpose, address=address, phone=phone if deliver else None)


def phone_code_check(*, phone: str, purpose: str, code: str) -> None:
    """Use up the code sent to ``phone`` for ``purpose``, or raise: none sent or expired,
    wrong (counted), or too many wrong guesses (the code is then void)."""
    code_use(code_verify(subject=phone.strip(), purpose=purpose, code=code))
