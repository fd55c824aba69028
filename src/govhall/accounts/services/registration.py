"""Online registration of natural persons (实名注册) and password reset (找回密码), both
proved by a code sent to the mobile number."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import IntegrityError, transaction

from govhall.accounts.models import Applicant, User
from govhall.accounts.services.input import check_new_password, clean_id_number, clean_mobile
from govhall.accounts.services.login import login_unlock, password_change
from govhall.core import limits
from govhall.core.errors import DomainError
from govhall.notify.services import notification_send  # notify sits below accounts

logger = logging.getLogger(__name__)


# 实名注册 of a natural person online: name, resident ID and a mobile number proved by a
# one-time SMS code. The code lives in the cache for CODE_MINUTES as an HMAC (keyed by
# SECRET_KEY, so a copy of the cache does not give it away), allows CODE_TRIES wrong
# guesses and is void once used. The SMS row keeps its text with the code masked; the code
# itself goes to notify as a secret, held only until it is sent or CODE_MINUTES pass.
# Sending is limited per number and per address, so the SMS gateway cannot be turned
# against someone's phone.
CODE_MINUTES = 5
CODE_TRIES = 5
CODES_PER_PHONE_HOUR = 5
CODES_PER_ADDRESS_HOUR = 20


def _code_key(phone: str, purpose: str) -> str:
    return limits.key_for(f"phone-code:{purpose}", phone)


def _code_digest(phone: str, purpose: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{purpose}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def phone_code_send(*, phone: str, purpose: str, address: str, deliver: bool = True) -> str:
    """Send a 6-digit code to ``phone`` for ``purpose``; returns the code (the caller shows
    it only in development). A new code replaces an earlier one. With ``deliver`` False
    everything happens but the SMS (a reset for a number no account has: the answer and
    the limits stay the same, so they do not tell which numbers have accounts)."""
    phone = clean_mobile(phone)
    if limits.hit(limits.key_for(f"phone-code-minute:{purpose}", phone), 60) > 1:
        raise DomainError("验证码已发送，请1分钟后再获取", code="code_too_soon", status=429)
    if limits.hit(limits.key_for("phone-code-hour", phone), 3600) > CODES_PER_PHONE_HOUR or (
        limits.hit(f"phone-code-address:{address}", 3600) > CODES_PER_ADDRESS_HOUR
    ):
        raise DomainError("获取验证码过于频繁，请1小时后再试", code="code_rate_limited", status=429)
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_code_key(phone, purpose), {"digest": _code_digest(phone, purpose, code), "tries": 0}, CODE_MINUTES * 60)
    if not deliver:
        return code
    notification_send(
        event=f"account.code.{purpose}",
        text=f"您的验证码为{{secret}}，{CODE_MINUTES}分钟内有效，请勿告诉他人。如非本人操作，请忽略本短信。",
        phone=phone,
        secret=code,
        secret_valid_for=dt.timedelta(minutes=CODE_MINUTES),
    )
    return code


def phone_code_check(*, phone: str, purpose: str, code: str) -> None:
    """Use up the code sent to ``phone`` for ``purpose``, or raise: none sent or expired,
    wrong (counted), or too many wrong guesses (the code is then void)."""
    key = _code_key(phone.strip(), purpose)
    sent = cache.get(key)
    if sent is None:
        raise DomainError("验证码已失效，请重新获取", code="code_expired")
    if not hmac.compare_digest(sent["digest"], _code_digest(phone.strip(), purpose, code.strip())):
        sent["tries"] += 1
        if sent["tries"] >= CODE_TRIES:
            cache.delete(key)
            raise DomainError("验证码错误次数过多，已失效，请重新获取", code="code_expired")
        cache.set(key, sent, CODE_MINUTES * 60)
        raise DomainError("验证码不正确", code="code_wrong")
    cache.delete(key)


def registration_fields(name: str, id_number: str) -> tuple[str, str]:
    """The name and resident ID of a registration, checked by form alone (length, check
    digit): before a code is sent too, so a typing mistake costs no SMS and no wait."""
    name = name.strip()
    if not name or len(name) > 50:
        raise DomainError("请填写与身份证一致的姓名", code="missing_field", detail={"field": "name"})
    return name, clean_id_number(id_number)


def applicant_self_register(
    *, name: str, id_number: str, phone: str, code: str, password: str, address: str = ""
) -> User:
    """A natural person's account, registered online (the mobile number is the login name).
    A person the window registered earlier (same resident ID, no account yet) gets their
    account linked when the mobile number is the one the window recorded; otherwise they
    are sent to a window to have it checked."""
    name, id_number = registration_fields(name, id_number)
    phone = clean_mobile(phone)
    check_new_password(password, User(username=phone, display_name=name, phone=phone))
    phone_code_check(phone=phone, purpose="register", code=code)
    # After the code: each look-up costs an SMS, so the service is no oracle for strangers.
    _identity_check(name, id_number)
    hashed = make_password(password)  # a second of CPU: not inside the write transaction
    try:
        user, applicant = _self_register(name, id_number, phone, hashed)
    except IntegrityError:  # the same person or number registering at the same moment
        raise DomainError("该手机号或身份证号已注册，请直接登录", code="applicant_registered") from None
    logger.info("applicant %s registered online from %s", applicant.pk, address)
    return user


def _identity_check(name: str, id_number: str) -> None:
    from govhall.accounts.identity import IdentityUnavailable, get_verifier

    try:
        matched = get_verifier().verify(name=name, id_number=id_number)
    except IdentityUnavailable as exc:
        logger.warning("identity service unavailable: %s", exc)
        raise DomainError("实名核验服务暂时不可用，请稍后再试", code="identity_unavailable", status=503) from None
    if not matched:
        raise DomainError("姓名与居民身份证号码不一致，实名核验未通过", code="identity_mismatch")


def _self_register(name: str, id_number: str, phone: str, hashed_password: str) -> tuple[User, Applicant]:
    with transaction.atomic():
        if User.objects.filter(username=phone).exists():
            raise DomainError("该手机号已注册，请直接登录", code="phone_registered")
        found = Applicant.objects.select_for_update().filter(kind=Applicant.Kind.NATURAL, id_number=id_number).first()
        if found is not None and found.user_id is not None:
            raise DomainError("该身份证号已注册账户，请直接登录；忘记密码可凭手机号找回", code="applicant_registered")
        if found is not None and (found.name != name or found.phone != phone):
            raise DomainError(
                "该身份证号已在窗口登记，登记的姓名或手机号与本次不一致，请携带身份证到窗口核实",
                code="applicant_mismatch",
            )
        user = User(username=phone, display_name=name, phone=phone, password=hashed_password)
        user.save()
        if found is None:
            found = Applicant(kind=Applicant.Kind.NATURAL, name=name, id_number=id_number, phone=phone)
        found.user = user
        found.save()
    return user, found


def _account_for_phone(phone: str) -> User | None:
    """The one active account a mobile number opens: the account registered under it, else
    the one account that gives it as its number (None when there is none, or several)."""
    found = list(User.objects.filter(is_active=True, username=phone)) or list(
        User.objects.filter(is_active=True, phone=phone)[:2]
    )
    return found[0] if len(found) == 1 else None


def password_reset_code_send(*, phone: str, address: str) -> str:
    """找回密码, step one: a code to the number, when an account has it (the caller answers
    the same either way)."""
    return phone_code_send(
        phone=phone, purpose="reset", address=address, deliver=_account_for_phone(phone.strip()) is not None
    )


def password_reset(*, phone: str, code: str, new_password: str) -> User:
    """找回密码, step two: the code proves the number; the account gets the new password,
    its tokens and other sessions end (:func:`password_change`) and its login lock lifts."""
    phone = phone.strip()
    user = _account_for_phone(phone)
    # before the code is used up; against a stand-in where no account has the number, alike
    check_new_password(new_password, user or User(username=phone, phone=phone))
    phone_code_check(phone=phone, purpose="reset", code=code)
    if user is None:
        raise DomainError("该手机号没有可找回的账户，请到窗口办理", code="no_account")
    password_change(user=user, new_password=new_password)
    login_unlock(username=user.username, actor=user)
    return user
