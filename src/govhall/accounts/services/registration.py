"""Online registration of natural persons (实名注册) and password reset (找回密码), both
proved by a code sent to the mobile number."""

from __future__ import annotations

import logging

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction

from govhall.accounts.models import Applicant, User
from govhall.accounts.services.codes import (  # the names callers have imported from here
    CODE_MINUTES,
    CODE_TRIES,
    CODES_PER_ADDRESS_HOUR,
    CODES_PER_PHONE_DAY,
    CODES_PER_PHONE_HOUR,
    phone_code_check,
    phone_code_send,
)
from govhall.accounts.services.input import check_new_password, clean_id_number, clean_mobile
from govhall.accounts.services.login import login_unlock, password_change
from govhall.core.errors import DomainError

__all__ = [
    "CODES_PER_ADDRESS_HOUR",
    "CODES_PER_PHONE_DAY",
    "CODES_PER_PHONE_HOUR",
    "CODE_MINUTES",
    "CODE_TRIES",
    "applicant_self_register",
    "password_reset",
    "password_reset_code_send",
    "phone_code_check",
    "phone_code_send",
    "registration_fields",
]

logger = logging.getLogger(__name__)


# 实名注册 of a natural person online: name, resident ID and a mobile number proved by a
# one-time SMS code (``codes``: kept as an HMAC for CODE_MINUTES, CODE_TRIES guesses counted
# before each comparison, void once used; sending limited per number and per address).


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
