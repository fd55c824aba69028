"""Checked input: every service that takes an identity code, a mobile number or a new
password checks it here."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from govhall.accounts.models import User
from govhall.core.errors import DomainError

# Every service that takes an identity code, a mobile number or a new password checks it
# here, so the rule and its message are the same at the window and online.


def clean_id_number(value: str) -> str:
    """A resident ID, upper-cased, with its GB 11643 check digit verified."""
    from govhall.accounts.validators import is_valid_id_number

    return _clean_code(value, "id_number", "居民身份证号码", "GB 11643", is_valid_id_number)


def clean_uscc(value: str) -> str:
    """A unified social credit code, upper-cased, with its GB 32100 check digit verified."""
    from govhall.accounts.validators import is_valid_uscc

    return _clean_code(value, "uscc", "统一社会信用代码", "GB 32100", is_valid_uscc)


def _clean_code(value: str, field: str, label: str, standard: str, is_valid) -> str:
    code = value.strip().upper()
    if not code:
        raise DomainError(f"请填写{label}", code="missing_field", detail={"field": field})
    if not is_valid(code):
        raise DomainError(f"{label}不正确（应为18位，且校验位符合{standard}），请核对", code=f"invalid_{field}")
    return code


def clean_mobile(value: str) -> str:
    from govhall.accounts.validators import validate_mobile

    phone = value.strip()
    try:
        validate_mobile(phone)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code="invalid_phone") from None
    return phone


def check_new_password(password: str, user: User) -> None:
    """Django's password validators, their messages as one DomainError."""
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages), code="invalid_password") from None
