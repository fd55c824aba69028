"""The application form of an item (申请表): its fields, how they are written in a
spreadsheet cell, and how an applicant's answers are checked.

A field is a plain dict ``{"name", "type", "required", "choices", "help"}``; ``name`` is
the label the applicant sees and the key of the answer in the case's ``form``. Pure
Python: the catalogue stores the list on the item version, cases check answers against it.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

FIELD_TYPES = {"text": "文本", "textarea": "多行文本", "number": "数字", "date": "日期", "choice": "单选"}
_TYPE_BY_LABEL = {label: key for key, label in FIELD_TYPES.items()}
MAX_FIELDS = 30
MAX_NAME = 50
MAX_TEXT = {"text": 200, "textarea": 2000, "number": 30, "date": 10, "choice": 100}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def normalize_fields(value: Any) -> list[dict[str, Any]]:
    """Fields with every key present, in one order (so equal forms compare equal)."""
    out = []
    for raw in value or []:
        raw = raw if isinstance(raw, dict) else {"name": str(raw)}
        out.append(
            {
                "name": str(raw.get("name") or "").strip(),
                "type": str(raw.get("type") or "text").strip(),
                "required": bool(raw.get("required", False)),
                "choices": [str(c).strip() for c in raw.get("choices") or [] if str(c).strip()],
                "help": str(raw.get("help") or "").strip(),
            }
        )
    return out


def definition_errors(fields: list[dict[str, Any]]) -> list[str]:
    """What is wrong with a form's definition (Chinese, for the administrator)."""
    errors = []
    if len(fields) > MAX_FIELDS:
        errors.append(f"申请表字段不能超过{MAX_FIELDS}个")
    seen: set[str] = set()
    for i, field in enumerate(fields, start=1):
        name = field["name"]
        if not name or len(name) > MAX_NAME:
            errors.append(f"第{i}个字段的名称为空或超过{MAX_NAME}字")
        elif name in seen:
            errors.append(f"字段“{name}”重复")
        seen.add(name)
        if field["type"] not in FIELD_TYPES:
            errors.append(f"字段“{name}”的类型“{field['type']}”不支持（可选：{'、'.join(FIELD_TYPES.values())}）")
        if field["type"] == "choice" and not field["choices"]:
            errors.append(f"单选字段“{name}”须列出选项")
        if field["type"] != "choice" and field["choices"]:
            errors.append(f"只有单选字段可以列出选项（字段“{name}”）")
    return errors


def to_lines(fields: list[dict[str, Any]]) -> str:
    """One field per line: ``名称|类型|必填或选填|选项1、选项2|说明``."""
    lines = []
    for f in fields:
        parts = [f["name"], FIELD_TYPES.get(f["type"], f["type"]), "必填" if f["required"] else "选填"]
        parts += ["、".join(f["choices"]), f["help"]]
        lines.append("|".join(parts).rstrip("|"))
    return "\n".join(lines)


def from_lines(text: str) -> list[dict[str, Any]]:
    """Parse ``to_lines``; raises ValueError naming the line."""
    fields = []
    for number, line in enumerate((x.strip() for x in (text or "").splitlines()), start=1):
        if not line:
            continue
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        parts += [""] * (5 - len(parts))
        name, type_label, required, choices, help_text = parts[:5]
        kind = _TYPE_BY_LABEL.get(type_label or "文本", type_label)
        if kind not in FIELD_TYPES:
            raise ValueError(f"第{number}行：类型“{type_label}”不支持（可选：{'、'.join(FIELD_TYPES.values())}）")
        if required not in ("", "必填", "选填"):
            raise ValueError(f"第{number}行：第三项应为“必填”或“选填”，实际为“{required}”")
        fields.append(
            {
                "name": name,
                "type": kind,
                "required": required == "必填",
                "choices": [c.strip() for c in choices.replace("，", "、").split("、") if c.strip()],
                "help": help_text,
            }
        )
    return fields


def clean_answers(fields: list[dict[str, Any]], answers: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(cleaned answers, errors by field name) for an applicant's answers to the form.

    Only the form's fields are accepted; values are kept as text as the applicant typed
    them (numbers and dates checked for shape)."""
    by_name = {f["name"]: f for f in fields}
    clean: dict[str, str] = {}
    errors: dict[str, str] = {}
    for key in answers:
        if key not in by_name:
            errors[str(key)] = "申请表中没有这一项"
    for name, field in by_name.items():
        raw = answers.get(name)
        value = "" if raw is None else str(raw).strip()
        if not value:
            if field["required"]:
                errors[name] = "必填"
            continue
        kind = field["type"]
        if len(value) > MAX_TEXT[kind]:
            errors[name] = f"不能超过{MAX_TEXT[kind]}字"
        elif kind == "number" and not _NUMBER.match(value):
            errors[name] = "应填写数字"
        elif kind == "date" and not _is_date(value):
            errors[name] = "应填写日期，如2026-11-24"
        elif kind == "choice" and value not in field["choices"]:
            errors[name] = f"应为以下之一：{'、'.join(field['choices'])}"
        else:
            clean[name] = value
    return clean, errors


def _is_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True
