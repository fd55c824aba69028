"""Check digits of Chinese identity codes.

- Resident ID (GB 11643-1999): 17 digits, then a check character from weights 2^(17-i) mod 11.
- Unified social credit code (GB 32100-2015): 18 characters over a 31-character alphabet
  (no I, O, Z, S, V), the last one a mod-31 check character; the rule is the catalogue's
  (``catalog/checkdigits.py``), which checks agencies' codes too.

And the password length rule with its message in Chinese.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from govhall.catalog import checkdigits
from govhall.catalog.checkdigits import USCC_ALPHABET, uscc_check_char

__all__ = ["USCC_ALPHABET", "id_number_check_char", "is_valid_uscc", "uscc_check_char"]

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


def id_number_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def is_valid_id_number(value: str) -> bool:
    value = (value or "").strip().upper()
    if len(value) != 18 or not value[:17].isdigit():
        return False
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return id_number_check_char(value[:17]) == value[17]


def is_valid_uscc(value: str) -> bool:
    return checkdigits.is_valid_uscc((value or "").strip().upper())


def validate_id_number(value: str) -> None:
    if not is_valid_id_number(value):
        raise ValidationError("居民身份证号码不正确（应为18位，且校验位符合GB 11643）", code="invalid_id_number")


def validate_uscc(value: str) -> None:
    if not is_valid_uscc(value):
        raise ValidationError("统一社会信用代码不正确（应为18位，且校验位符合GB 32100）", code="invalid_uscc")


def validate_mobile(value: str) -> None:
    if not (len(value) == 11 and value.isdigit() and value[0] == "1" and value[1] in "3456789"):
        raise ValidationError("手机号码应为11位中国大陆手机号", code="invalid_phone")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, saying it in Chinese: Django 5.2's zh-hans catalogue lacks this message and
    would show it in English."""

    def get_error_message(self) -> str:
        return f"密码太短，至少需要{self.min_length}个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要{self.min_length}个字符。"
