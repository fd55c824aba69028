"""Forms of the case pages: they parse what a page posts into the arguments of a service.

They check shape only (numbers are numbers, fields are not absurdly long). The rules —
which materials, which fields are required for which action — are the services', whose
Chinese ``DomainError`` messages the pages show; nothing is decided twice.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from govhall.cases import services
from govhall.core.errors import DomainError

# The applicant's own description of what they apply for, offered on every form.
DESCRIPTION_KEY = services.DESCRIPTION_KEY
# How many free "field name / content" rows the form offers for items that define no fields.
FORM_ROWS = 4
MAX_TEXT = 2000


class UploadForm(forms.Form):
    requirement_id = forms.IntegerField(min_value=1)
    file = forms.FileField(error_messages={"required": "请选择要上传的文件", "empty": "文件为空，请重新选择"})


def application_form(post: QueryDict, fields: list[dict] | None = None) -> dict[str, str]:
    """The applicant's answers as the case's ``form`` dict: the description plus, for an
    item with an application form, one answer per field (posted as ``form_<n>``), else free
    key/value rows (``field_name`` / ``field_value``, blank rows ignored). The item's rules
    (required, numbers, dates, choices) are the service's to check."""
    form: dict[str, str] = {}
    description = post.get("description", "").strip()
    if description:
        form[DESCRIPTION_KEY] = description[:MAX_TEXT]
    if fields:
        for n, field in enumerate(fields):
            value = post.get(f"form_{n}", "").strip()[:MAX_TEXT]
            if value:
                form[field["name"]] = value
        return form
    names, values = post.getlist("field_name"), post.getlist("field_value")
    for raw_name, raw_value in zip(names, values, strict=False):
        name, value = raw_name.strip()[:50], raw_value.strip()[:MAX_TEXT]
        if not name and not value:
            continue
        if not name:
            raise DomainError(f"请为“{value[:10]}”填写项目名称", code="invalid_form")
        form[name] = value
    return form


def form_rows(form: dict[str, Any] | None) -> list[tuple[str, str]]:
    """Rows to (re)display in the free key/value part of the application form."""
    rows = [(k, str(v)) for k, v in (form or {}).items() if k != DESCRIPTION_KEY]
    return rows + [("", "")] * max(0, FORM_ROWS - len(rows))


def situation_answers(post: QueryDict, situation_ids: list[int]) -> dict[str, int]:
    """Answers posted as ``s<situation id>`` radios."""
    answers: dict[str, int] = {}
    for sid in situation_ids:
        value = post.get(f"s{sid}", "")
        if value.isdigit():
            answers[str(sid)] = int(value)
    return answers


def posted_application(post: QueryDict, item) -> dict[str, Any]:
    """``situation_answers`` and ``form`` for ``services.case_create`` from a posted apply or
    intake page."""
    return {
        "situation_answers": situation_answers(post, [s.id for s in item.situations.all()]),
        "form": application_form(post, item.form_fields),
    }


def _ints(values: list[str]) -> list[int]:
    try:
        return [int(v) for v in values if v != ""]
    except ValueError:
        raise DomainError("提交的材料编号不正确", code="invalid_form") from None


def _text(post: QueryDict, name: str, limit: int = MAX_TEXT) -> str:
    return post.get(name, "").strip()[:limit]


def transition_arguments(action: str, post: QueryDict) -> tuple[dict[str, Any], str]:
    """``(params, comment)`` for ``services.case_transition`` from an action form."""
    comment = _text(post, "comment")
    params: dict[str, Any] = {}
    if action == "accept_with_deferral":
        params = {
            "deferred": _ints(post.getlist("deferred")),
            "commitment": _text(post, "commitment"),
            "signed_by": _text(post, "signed_by", 100),
        }
    elif action == "request_correction":
        items = []
        for rid, problem in zip(post.getlist("item_requirement"), post.getlist("item_problem"), strict=False):
            problem = problem.strip()[:500]
            if not problem:
                continue
            entry: dict[str, Any] = {"problem": problem}
            if rid:
                entry["requirement_id"] = _ints([rid])[0]
            else:
                entry["name"] = "申请表"
            items.append(entry)
        params = {"items": items}
    elif action in ("reject", "deny"):
        params = {"reason": _text(post, "reason"), "legal_basis": _text(post, "legal_basis")}
    elif action in ("suspend", "revoke"):
        params = {"reason": _text(post, "reason", 200 if action == "suspend" else MAX_TEXT)}
    elif action == "review":
        params = {"recommendation": _text(post, "recommendation", 10), "points": _ints(post.getlist("points"))}
    elif action == "extend":
        params = {"days": _text(post, "days", 4), "reason": _text(post, "reason")}
    elif action == "approve":
        params = {"commitment": _text(post, "commitment"), "signed_by": _text(post, "signed_by", 100)}
    elif action == "issue":
        params = {"delivery_mode": _text(post, "delivery_mode", 12)}
    elif action == "deliver":
        params = {
            "delivery_mode": _text(post, "delivery_mode", 12),
            "tracking_number": _text(post, "tracking_number", 40),
            "address": _text(post, "address", 300),
        }
    elif action == "confirm_deferred":
        ids = _ints(post.getlist("requirement_ids"))
        params = {"requirement_ids": ids} if ids else {}
    return {k: v for k, v in params.items() if v not in ("", None)}, comment


class IntakeApplicantForm(forms.Form):
    """The applicant at the window: looked up by code, or registered with the other fields."""

    kind = forms.ChoiceField(choices=[("natural", "自然人"), ("legal", "法人")], initial="natural")
    code = forms.CharField(max_length=18, error_messages={"required": "请填写身份证号码或统一社会信用代码"})
    name = forms.CharField(max_length=200, required=False)
    phone = forms.CharField(max_length=11, required=False)
    legal_representative = forms.CharField(max_length=50, required=False)


def form_field_rows(fields: list[dict], form: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The item's form fields with what the applicant typed, for the template."""
    form = form or {}
    return [{**f, "input": f"form_{n}", "value": form.get(f["name"], "")} for n, f in enumerate(fields)]
