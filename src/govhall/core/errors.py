"""Structured API errors: every error answer is {"code", "message", "detail"}."""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.errors import AuthorizationError as NinjaAuthorizationError


class ErrorOut(Schema):
    code: str
    message: str
    detail: Any = None


class DomainError(Exception):
    """An error a service raises on purpose; the API maps it to a structured answer.

    Pages show ``message`` (Chinese); API clients switch on ``code``.
    """

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        detail: Any = None,
        status: int | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        # seconds after which a refused (429) request may succeed: the Retry-After header
        self.retry_after = retry_after
        if code:
            self.code = code
        if status:
            self.status = status
        self.detail = detail


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


def error_body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    """The body of every API error (``ErrorOut``)."""
    return {"code": code, "message": message, "detail": detail}


def install_handlers(api: NinjaAPI) -> None:
    def answer(request, status: int, code: str, message: str, detail: Any = None):
        return api.create_response(request, error_body(code, message, detail), status=status)

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        response = answer(request, exc.status, exc.code, exc.message, exc.detail)
        if exc.retry_after:
            response["Retry-After"] = str(int(exc.retry_after))
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        # A body that is a union by a tag (the workflow's ``action``) with a tag it does not
        # know: the client asked for something that does not exist, not for a bad value.
        tags = [e for e in exc.errors if e.get("type") in ("union_tag_invalid", "union_tag_not_found")]
        if tags:
            tag = str(tags[0].get("ctx", {}).get("discriminator", "'action'")).strip("'")
            given = tags[0].get("ctx", {}).get("tag", "")
            expected = str(tags[0].get("ctx", {}).get("expected_tags", ""))
            allowed = [t.strip().strip("'") for t in expected.split(",") if t.strip()]
            message = f"未知的操作：{given}" if given else f"缺少 {tag}"
            return answer(request, 400, f"unknown_{tag}", message, {"allowed": allowed})
        return answer(request, 422, "validation_error", "请求参数不正确", exc.errors)

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request, exc: DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return answer(request, 422, "validation_error", "；".join(exc.messages), detail)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return answer(request, 413, "request_too_large", "请求内容过大")

    @api.exception_handler(MultiPartParserError)
    @api.exception_handler(SuspiciousOperation)
    def unparsable_form(request, exc):
        return answer(request, 400, "bad_request", "请求内容无法解析：请检查上传的表单或文件")

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        return answer(request, 401, "unauthenticated", "需要登录或有效的访问令牌")

    @api.exception_handler(NinjaAuthorizationError)
    def authorization_error(request, exc):
        return answer(request, 403, "forbidden", "无权执行此操作")

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        return answer(request, 403, "forbidden", str(exc) or "无权执行此操作")

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return answer(request, 404, "not_found", str(exc) or "未找到")

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        code = {
            400: "bad_request",
            401: "unauthenticated",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            409: "conflict",
            429: "rate_limited",
        }.get(exc.status_code, "error")
        # django-ninja words these in English (its throttle: "Too many requests.", a body it
        # cannot parse: "Cannot parse request body").
        message = {429: "请求过于频繁，请稍后再试", 405: "不支持该请求方法"}.get(exc.status_code, str(exc))
        if exc.status_code == 400 and message.startswith("Cannot parse request body"):
            code, message = "unparsable_body", "请求体无法解析：请发送有效的 JSON（Content-Type: application/json）"
        response = answer(request, exc.status_code, code, message)
        wait = getattr(exc, "wait", None)  # ninja's throttle says how long
        if exc.status_code == 429 and wait:
            response["Retry-After"] = str(max(1, math.ceil(wait)))
        return response


# --------------------------------------------------------------------------- the documented answers

_ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
_GENERIC = {
    400: "请求无法处理（invalid_text：含无法保存的字符；bad_request：无法解析；或业务规则拒绝）",
    401: "需要登录或有效的访问令牌",
    403: "无权执行此操作",
    404: "未找到（对无权查看的对象也答 404）",
    413: "请求内容过大",
    422: "参数不符合接口定义（validation_error）",
}


# What ``core.text`` lets through, as a JSON Schema pattern: no C0 control but tab, line
# feed and carriage return, no DEL. (Lone surrogates cannot be written in a pattern; JSON
# text carrying one is refused the same way.)
TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$"


def _documented_text(schema: Any) -> None:
    """Give every free string of the document the pattern the request guard holds it to."""
    if isinstance(schema, dict):
        if schema.get("type") == "string" and not ({"enum", "const", "pattern", "format"} & schema.keys()):
            schema["pattern"] = TEXT_PATTERN
        for value in schema.values():
            _documented_text(value)
    elif isinstance(schema, list):
        for value in schema:
            _documented_text(value)


class DocumentedAPI(NinjaAPI):
    """A NinjaAPI whose OpenAPI document lists, for every operation, the error answers it
    can give besides the ones its code declares: every request may be refused before the
    view (``core.middleware.request_guard``: 400, 413 with a body; every free string that
    comes in carries the pattern that guard holds it to), every operation with
    parameters or a body may fail validation (422), every authenticated one may answer 401
    and 403, every one with a path parameter 404. All of them are ``ErrorOut``; a client
    (or schemathesis) holding the document to its word finds no undocumented status."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                expected = {400}
                parameters = operation.get("parameters", [])
                if operation.get("requestBody"):
                    expected |= {413, 422}
                if parameters:
                    expected.add(422)
                if operation.get("security"):
                    expected |= {401, 403}
                if any(p.get("in") == "path" for p in parameters):
                    expected.add(404)
                responses = operation.setdefault("responses", {})
                for status in sorted(expected):
                    responses.setdefault(
                        status,
                        {"description": _GENERIC[status], "content": {"application/json": {"schema": _ERROR_REF}}},
                    )
        schema.setdefault("components", {}).setdefault("schemas", {}).setdefault(
            "ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        # what comes in: parameters and request bodies (answers are ours and need no pattern)
        for operations in schema["paths"].values():
            for operation in operations.values():
                _documented_text(operation.get("parameters", []))
                _documented_text(operation.get("requestBody", {}))
        for name, component in schema["components"]["schemas"].items():
            if name.endswith("In") or name.endswith("Params"):
                _documented_text(component)
        return schema
