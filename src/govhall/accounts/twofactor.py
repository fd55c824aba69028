"""Staff two-factor sign-in (双因素认证): an authenticator app's time-based codes (TOTP,
RFC 6238, django-otp's ``TOTPDevice``) with ten one-time recovery codes (``StaticDevice``).

Who: every staff member (a ``StaffProfile``), administrator (``is_staff``) and superuser
(:func:`is_staff_member`); applicants sign in as before. When: with ``GOVHALL_STAFF_2FA``
on (:func:`required`), a staff session reaches nothing but the two-factor pages until it
has confirmed a code (``twofactor_middleware``), and a staff API token needs one too
(``services/tokens.py``). Off, staff may still enrol ahead of the switch.

* **Enrolment** (:func:`enrolment_device`, :func:`enrol_confirm`): an unconfirmed device
  is made and its secret shown (QR code and text) until a code from it confirms it; then
  any older device and recovery codes go and ten new recovery codes are shown once. A
  staff member who already has a device enrols again only from a verified session, so a
  password alone never replaces someone's authenticator.
* **Verification** (:func:`otp_verify`): six digits are the authenticator's code, anything
  else a recovery code. A code is accepted once (django-otp keeps the last time step
  used; a recovery code is deleted), under a row lock on the device.
* **Guessing**: every attempt, enrolment's included, is counted per account before it is
  checked: past :data:`OTP_FAILURES_PER_WINDOW` in :data:`OTP_WINDOW_MINUTES` minutes or
  :data:`OTP_FAILURES_PER_DAY` in a day, attempts are refused unchecked (429 ``otp_locked``)
  until the window ends; a right code clears the counts. Only someone who has the password
  gets this far.
* **Loss**: a recovery code signs in (and the page says how many are left and offers to
  enrol the new phone), or an administrator resets the account's second factor
  (:func:`otp_reset`, the admin's action), after which the staff member enrols again.

Enrolment, failures, recovery-code use, locks and resets are recorded in the security
audit log (``govhall.audit``).
"""

from __future__ import annotations

import re
from base64 import b32encode
from typing import NoReturn

import django_otp
from django.conf import settings
from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from govhall.accounts.models import User
from govhall.accounts.scope import staff_profile
from govhall.audit.models import Kind
from govhall.audit.services import record
from govhall.core import limits
from govhall.core.errors import DomainError

OTP_FAILURES_PER_WINDOW = 5
OTP_WINDOW_MINUTES = 15
OTP_FAILURES_PER_DAY = 20
RECOVERY_CODES = 10

_TOTP_CODE = re.compile(r"\d{6}")


def is_staff_member(user) -> bool:
    """Staff, in the sense of who needs a second factor: a staff profile of any role,
    an administrator of the admin site or a superuser."""
    if not user.is_authenticated:
        return False
    return bool(user.is_staff or user.is_superuser or staff_profile(user) is not None)


def required(user) -> bool:
    """Does ``user`` need a verified second factor (``GOVHALL_STAFF_2FA`` and staff)?"""
    return bool(settings.GOVHALL_STAFF_2FA) and is_staff_member(user)


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def may_enrol(user: User, *, verified: bool) -> bool:
    """A first device from a password sign-in; another one only from a verified session."""
    return is_staff_member(user) and (verified or confirmed_device(user) is None)


def enrolment_device(*, user: User) -> TOTPDevice:
    """The authenticator being enrolled: made on first call and kept until confirmed, so
    reloading the page shows the same secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normal_code(code: str | None) -> str:
    """What was typed, as the devices compare it: no spaces or dashes, lower case."""
    return re.sub(r"[\s\-]", "", code or "").lower()


def enrol_confirm(*, user: User, code: str, address: str = "") -> tuple[TOTPDevice, list[str]]:
    """Confirm the device being enrolled with a code from it; return it and the new
    recovery codes (shown once). Raises ``DomainError`` as :func:`otp_verify` does."""
    code = normal_code(code)
    if not _TOTP_CODE.fullmatch(code):
        raise DomainError("请输入身份验证器上显示的6位数字", code="otp_invalid", status=400)
    _count_attempt(user, address, "enrol")
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if pending is None:
        raise DomainError("绑定已过期，请刷新页面后重新扫描二维码", code="otp_not_enrolled", status=400)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=pending.pk)
        confirmed = device.verify_token(code)  # takes the time step: the same code is not taken twice
        codes: list[str] = []
        if confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            replaced = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()[0] > 0
            StaticDevice.objects.filter(user=user).delete()
            codes = _new_recovery_codes(user)
            record(kind=Kind.OTP_ENROLLED, actor=user, subject=user, address=address, data={"replaced": replaced})
    if not confirmed:
        _failed(user, address, "enrol", "totp")
    _forget_failures(user)
    return device, codes


def _new_recovery_codes(user: User) -> list[str]:
    static = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes: list[str] = []
    while len(codes) < RECOVERY_CODES:
        token = StaticToken.random_token()
        if token not in codes:
            codes.append(token)
    StaticToken.objects.bulk_create([StaticToken(device=static, token=token) for token in codes])
    return codes


def otp_verify(*, user: User, code: str | None, address: str = "", channel: str = "web") -> Device:
    """Check a code from the user's authenticator or one of their recovery codes and return
    the device that took it (a used recovery code is gone). Refused: 401 ``otp_invalid``
    (wrong, used, or no device of that kind), 429 ``otp_locked`` (too many attempts)."""
    code = normal_code(code)
    if not code:
        raise DomainError("请输入动态验证码或恢复码", code="otp_required", status=401)
    _count_attempt(user, address, channel)
    is_totp = bool(_TOTP_CODE.fullmatch(code))
    device_model = TOTPDevice if is_totp else StaticDevice
    candidate = device_model.objects.filter(user=user, confirmed=True).order_by("-pk").first()
    device = django_otp.verify_token(user, candidate.persistent_id, code) if candidate is not None else None
    if device is None:
        _failed(user, address, channel, "totp" if is_totp else "recovery")
    _forget_failures(user)
    if isinstance(device, StaticDevice):
        left = device.token_set.count()
        record(
            kind=Kind.OTP_RECOVERY, actor=user, subject=user, address=address, data={"channel": channel, "left": left}
        )
    else:
        record(kind=Kind.OTP_VERIFIED, actor=user, subject=user, address=address, data={"channel": channel})
    return device


def otp_reset(*, user: User, actor: User, address: str = "") -> bool:
    """重置双因素认证: an administrator removes the user's authenticator and recovery codes
    (a lost phone, a staff member who used up their codes) and lifts their code lock; at the
    next sign-in they enrol again. Whether they had a device."""
    with transaction.atomic():
        had = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        record(kind=Kind.OTP_RESET, actor=actor, subject=user, address=address, data={"had_device": had})
    _forget_failures(user)
    return had


# --------------------------------------------------------------------------- guessing


def _keys(user: User) -> tuple[str, str]:
    return limits.key_for("otp-window", str(user.pk)), limits.key_for("otp-day", str(user.pk))


def _count_attempt(user: User, address: str, channel: str) -> None:
    """Count this attempt before it is checked, and refuse it past either limit: parallel
    guesses each take a number, so no more than the limit are ever checked."""
    window_key, day_key = _keys(user)
    in_window = limits.hit(window_key, OTP_WINDOW_MINUTES * 60)
    in_day = limits.hit(day_key, 24 * 60 * 60)
    if in_window <= OTP_FAILURES_PER_WINDOW and in_day <= OTP_FAILURES_PER_DAY:
        return
    if in_window == OTP_FAILURES_PER_WINDOW + 1 or in_day == OTP_FAILURES_PER_DAY + 1:  # the first refused
        record(
            kind=Kind.LOCKED,
            actor=user,
            subject=user,
            address=address,
            data={"what": "otp", "channel": channel, "day": in_day > OTP_FAILURES_PER_DAY},
        )
    if in_day > OTP_FAILURES_PER_DAY:
        message, wait = "今天的验证码错误次数过多，已锁定24小时；如身份验证器丢失，请联系系统管理员重置", 24 * 3600
    else:
        message, wait = f"验证码错误次数过多，已暂时锁定，请{OTP_WINDOW_MINUTES}分钟后再试", OTP_WINDOW_MINUTES * 60
    raise DomainError(message, code="otp_locked", status=429, retry_after=wait)


def _failed(user: User, address: str, channel: str, what: str) -> NoReturn:
    record(kind=Kind.OTP_FAILED, actor=user, subject=user, address=address, data={"channel": channel, "factor": what})
    if what == "recovery":
        message = "恢复码不正确或已使用过"
    else:
        message = "验证码不正确或已使用过：请输入身份验证器上当前显示的6位数字"
    raise DomainError(message, code="otp_invalid", status=401)


def _forget_failures(user: User) -> None:
    """A right code (or a reset): the failures before it no longer count."""
    limits.reset(*_keys(user))
