"""Text that can be stored and printed, checked at the door.

Every string that comes in — a JSON body, a form field, a query parameter, a path, a file
name, a spreadsheet cell — must be encodable as UTF-8 and free of control characters: a
lone UTF-16 surrogate (``"\\ud800"``, which JSON can spell) cannot be encoded, so the
database, the PDF renderer or the hash of a licence fails on it later, long after it was
accepted; a NUL cannot be stored by PostgreSQL at all; other C0 controls print as nothing
or break a document's layout. Tab, line feed and carriage return stay allowed.

``problem(text)`` names what is wrong with one string, ``find(value)`` walks a parsed JSON
value and returns the path of the first bad string (object keys included), so the answer
can say which field to fix.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls except TAB LF CR, DEL, lone surrogates, and the two noncharacters that mark
# a byte-order mistake.
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def problem(text: str) -> str | None:
    """A Chinese description of what makes ``text`` unusable, or None when it is fine."""
    found = _BAD.search(text)
    if found is None:
        return None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        return f"含有无法保存的字符（孤立的代理码位 U+{ord(char):04X}），请重新输入"
    return f"含有不可见的控制字符（U+{ord(char):04X}），请删除后重新输入"


def shown(text: str) -> str:
    """``text`` with each unusable character written as a ``\\u`` escape with four hex digits:
    safe to answer with."""
    return _BAD.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def find(value: Any, path: str = "") -> tuple[str, str] | None:
    """``(path, problem)`` of the first unusable string in a JSON-like value, or None."""
    if isinstance(value, str):
        found = problem(value)
        return (path or "body", found) if found else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = shown(str(key))
            where = f"{path}.{name}" if path else name
            if isinstance(key, str) and (found := problem(key)):
                return where, found
            if (found := find(item, where)) is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if (found := find(item, f"{path}[{index}]")) is not None:
                return found
    return None
