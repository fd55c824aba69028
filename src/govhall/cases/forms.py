"""Forms of the case pages: they parse what a page posts into the arguments of a service.

They check shape only (numbers are numbers, fields are not absurdly long). The rules —
which materials, which fields are required for which action — are the services', whose
Chinese ``DomainError`` messages the pages show; nothing is decided twice.
"""

from __future__ import annotations

import typing
from typing import Any

from django import forms
from django.http import QueryDict

from govhall.cases import actions, services
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


def transition_arguments(action: str, post: QueryDict) -> tuple[dict[str, Any], str]:
    """``(params, comment)`` for ``services.case_transition`` from an action's form: the
    fields of the action's parameter model (lists from repeated fields), as posted; the
    service checks them against the model. Blank fields are left out (missing)."""
    comment = post.get("comment", "").strip()[:MAX_TEXT]
    try:
        row = actions.known(action)
    except DomainError:
        return {}, comment  # the service answers unknown_action
    if row.from_form is not None:
        return row.from_form(post), comment
    params: dict[str, Any] = {}
    for name, info in row.params.model_fields.items():
        if typing.get_origin(info.annotation) is list:
            values = [v for v in post.getlist(name) if v.strip()]
            if values:
                params[name] = values
        elif post.get(name, "").strip():
            params[name] = post.get(name).strip()
    return params, comment


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
