"""National codes of the catalogue: 实施编码 (implementation codes) and region codes.

An implementation code as the provincial platforms publish it, e.g.
``511A0138000000-511602000000-000-115113010833722043-1-00`` (55 characters) or, for a
public service, ``G-000007-001-511602000000-000-115113010833722043-1-00``, is read from the
right, since the basic code may itself hold hyphens:

    basic code - region code (12 digits, GB/T 2260) - 000 - implementing agency's unified
    social credit code (18 characters, GB 32100) - handling item (业务办理项) - version

A centre may also keep local codes of its own (``TEST-XK-001``): up to 40 letters, digits,
``-``, ``_`` or ``.``, in fewer than six parts. Anything longer, or in six parts or more,
is taken for a national code and must be a well-formed one, so a mistyped national code is
refused instead of slipping through as a local one. See docs/identifiers.md.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError

from govhall.catalog.checkdigits import USCC_ALPHABET, is_valid_uscc, uscc_check_char

CODE_MAX_LENGTH = 64  # the longest published codes have 55 characters; the field has room to spare
LOCAL_CODE_MAX_LENGTH = 40  # what the field held before national codes, and still the limit of a local one

_LOCAL = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]*")
_BASIC = re.compile(r"[0-9A-Z]+(-[0-9A-Z]+)*")
_REGION = re.compile(r"\d{12}")
_THREE_DIGITS = re.compile(r"\d{3}")
_HANDLING_ITEM = re.compile(r"[0-9A-Z]{1,6}")
_VERSION = re.compile(r"\d{1,3}")


@dataclass(frozen=True)
class ItemCodeParts:
    """The parts of a national implementation code (实施编码 组成)."""

    basic_code: str  # 基本编码
    region_code: str  # 行政区划代码, 12 digits
    agency_code: str  # 实施主体的统一社会信用代码
    handling_item: str  # 业务办理项
    version: str  # 版本

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def looks_national(code: str) -> bool:
    """Whether ``code`` is to be read (and checked) as a national implementation code."""
    return len(code) > LOCAL_CODE_MAX_LENGTH or code.count("-") >= 5


def region_code_errors(code: str) -> list[str]:
    if _REGION.fullmatch(code or ""):
        return []
    return [f"行政区划代码“{code}”应为12位数字（GB/T 2260，如莲湖区610104000000）"]


def agency_code_errors(code: str, what: str = "统一社会信用代码") -> list[str]:
    """GB 32100: 18 characters of its alphabet, the last one the check character."""
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        return [f"{what}“{code}”应为18位统一社会信用代码（数字和大写字母，不含I、O、Z、S、V）"]
    if not is_valid_uscc(code):
        return [f"{what}“{code}”的校验位不正确（GB 32100：末位应为“{uscc_check_char(code[:17])}”）"]
    return []


def _split(code: str) -> tuple[str, list[str]] | None:
    parts = code.split("-")
    if len(parts) < 6:
        return None
    return "-".join(parts[:-5]), parts[-5:]


def item_code_errors(code: str) -> list[str]:
    """What is wrong with an implementation code, in words for the person who typed it.

    A national code is checked part by part; a local code only for its length and characters.
    """
    code = code or ""
    if not code:
        return ["实施编码不能为空"]
    if not looks_national(code):
        if _LOCAL.fullmatch(code):
            return []
        return ["本地实施编码只能由字母、数字和“-”“_”“.”组成，且以字母或数字开头"]
    if len(code) > CODE_MAX_LENGTH:
        return [f"实施编码不能超过{CODE_MAX_LENGTH}个字符（现有{len(code)}个）"]
    split = _split(code)
    if split is None:
        return [
            "国家实施编码应由“基本编码-12位行政区划代码-000-实施主体统一社会信用代码-业务办理项-版本”组成，"
            f"以“-”分隔（现有{code.count('-') + 1}段）；本地编码不超过{LOCAL_CODE_MAX_LENGTH}个字符"
        ]
    basic, (region, fixed, agency, handling, version) = split
    errors = []
    if not _BASIC.fullmatch(basic):
        errors.append(f"实施编码中的基本编码“{basic}”应由大写字母和数字组成")
    errors += [f"实施编码中的{m}" for m in region_code_errors(region)]
    if not _THREE_DIGITS.fullmatch(fixed):
        errors.append(f"实施编码中行政区划代码后的一段“{fixed}”应为3位数字（如000）")
    errors += agency_code_errors(agency, "实施编码中的实施主体代码")
    if not _HANDLING_ITEM.fullmatch(handling):
        errors.append(f"实施编码中的业务办理项“{handling}”应为1至6位数字或大写字母")
    if not _VERSION.fullmatch(version):
        errors.append(f"实施编码中的版本“{version}”应为1至3位数字")
    return errors


def item_code_parts(code: str) -> ItemCodeParts | None:
    """The parts of a well-formed national implementation code; None for a local code."""
    if not code or not looks_national(code) or item_code_errors(code):
        return None
    basic, (region, _, agency, handling, version) = _split(code)  # type: ignore[misc]
    return ItemCodeParts(basic, region, agency, handling, version)


def base_code_errors(code: str) -> list[str]:
    if not code or (len(code) <= CODE_MAX_LENGTH and _LOCAL.fullmatch(code)):
        return []
    return [f"基本编码应为不超过{CODE_MAX_LENGTH}位的字母、数字或“-”“_”“.”"]


def licence_type_code_errors(code: str) -> list[str]:
    """证照类型代码 (GB/T 36902, as the national licence catalogue assigns them): the defining
    authority's unified social credit code and a 3-digit number, e.g. 11100000000013338W011."""
    if not code:
        return []
    if len(code) != 21 or not code[18:].isdigit():
        return [f"证照类型代码“{code}”应为21位：18位统一社会信用代码加3位数字"]
    return agency_code_errors(code[:18], "证照类型代码中的统一社会信用代码")


def lookup_keys(code: str, base_code: str = "") -> set[str]:
    """What finds an item by code: the whole code, its basic code, and for a national code its
    region and agency codes. Upper case, as queries are compared."""
    keys = {code.upper()}
    if base_code:
        keys.add(base_code.upper())
    parts = item_code_parts(code)
    if parts is not None:
        keys |= {parts.basic_code, parts.region_code, parts.agency_code}
    return keys


# ---------------------------------------------------------------- model field validators


def _raise(errors: list[str], code: str) -> None:
    if errors:
        raise ValidationError(errors, code=code)


def validate_item_code(value: str) -> None:
    _raise(item_code_errors(value), "invalid_item_code")


def validate_base_code(value: str) -> None:
    _raise(base_code_errors(value), "invalid_base_code")


def validate_region_code(value: str) -> None:
    _raise(region_code_errors(value), "invalid_region_code")


def validate_licence_type_code(value: str) -> None:
    _raise(licence_type_code_errors(value), "invalid_licence_type_code")
