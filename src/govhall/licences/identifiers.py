"""E-licence identifiers (电子证照标识) in the structure of GB/T 36904-2018.

    1.2.156.3005.2 . licence type code . issuer code . serial . version . check character

- ``1.2.156.3005.2``: the root (an object identifier) of China's e-licences;
- licence type code (证照类型代码, GB/T 36902): the defining authority's unified social
  credit code and a 3-digit number, 21 characters (``11100000000013338W011``);
- issuer code (证照颁发机构代码): the issuing agency's unified social credit code (GB 32100);
- serial (流水号): the issuer's own number for the licence, digits and capital letters;
- version (版本号): three digits, ``001`` for a first issue;
- check character (校验位): ISO/IEC 7064 MOD 37,36 (GB/T 17710) over the type code, issuer
  code, serial and version written together without the dots.

The standard's text is sold, not published; the rule above is the one public implementations
use, and it gives the published identifiers' check characters (test_identifiers). See
docs/identifiers.md for the sources and for what could not be checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govhall.catalog.checkdigits import mod37_36
from govhall.catalog.identifiers import agency_code_errors, licence_type_code_errors

ROOT = "1.2.156.3005.2"
FIRST_VERSION = "001"
SERIAL_MAX_LENGTH = 40

_SERIAL = re.compile(rf"[0-9A-Z]{{1,{SERIAL_MAX_LENGTH}}}")
_VERSION = re.compile(r"\d{3}")
_CHECK = re.compile(r"[0-9A-Z]")


@dataclass(frozen=True)
class LicenceIdentifier:
    """The parts of a well-formed GB/T 36904 identifier."""

    type_code: str  # 证照类型代码
    issuer_code: str  # 证照颁发机构代码
    serial: str  # 流水号
    version: str  # 版本号
    check: str  # 校验位

    def __str__(self) -> str:
        return ".".join((ROOT, self.type_code, self.issuer_code, self.serial, self.version, self.check))


def check_character(type_code: str, issuer_code: str, serial: str, version: str) -> str:
    return mod37_36(type_code + issuer_code + serial + version)


def identifier_new(*, type_code: str, issuer_code: str, serial: str, version: str = FIRST_VERSION) -> str:
    """A GB/T 36904 identifier; ValueError when a part is malformed (the caller's codes come
    from the catalogue, which checks them, so this is a programming error)."""
    problems = _part_errors(type_code, issuer_code, serial, version)
    if problems:
        raise ValueError("；".join(problems))
    check = check_character(type_code, issuer_code, serial, version)
    return str(LicenceIdentifier(type_code, issuer_code, serial, version, check))


def identifier_errors(number: str) -> list[str]:
    """What keeps ``number`` from being a well-formed GB/T 36904 identifier ([] when it is one)."""
    number = number or ""
    if not number.startswith(ROOT + "."):
        return [f"电子证照标识应以根代码“{ROOT}.”开头"]
    parts = number[len(ROOT) + 1 :].split(".")
    if len(parts) != 5:
        return ["电子证照标识应由根代码、证照类型代码、颁发机构代码、流水号、版本号、校验位组成，以“.”分隔"]
    type_code, issuer_code, serial, version, check = parts
    problems = _part_errors(type_code, issuer_code, serial, version)
    if not _CHECK.fullmatch(check):
        problems.append(f"校验位“{check}”应为一位数字或大写字母")
    elif not problems and check != (expected := check_character(type_code, issuer_code, serial, version)):
        problems.append(f"校验位“{check}”不正确（ISO/IEC 7064 MOD 37,36，应为“{expected}”）")
    return problems


def identifier_parse(number: str) -> LicenceIdentifier | None:
    """The parts of a well-formed identifier (its check character verified), or None."""
    if identifier_errors(number):
        return None
    type_code, issuer_code, serial, version, check = number[len(ROOT) + 1 :].split(".")
    return LicenceIdentifier(type_code, issuer_code, serial, version, check)


def _part_errors(type_code: str, issuer_code: str, serial: str, version: str) -> list[str]:
    problems = list(licence_type_code_errors(type_code)) if type_code else ["缺少证照类型代码"]
    problems += agency_code_errors(issuer_code, "颁发机构代码")
    if not _SERIAL.fullmatch(serial):
        problems.append(f"流水号“{serial}”应为1至{SERIAL_MAX_LENGTH}位数字或大写字母")
    if not _VERSION.fullmatch(version):
        problems.append(f"版本号“{version}”应为3位数字")
    return problems
