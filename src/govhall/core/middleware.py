"""Middleware of our own."""

from __future__ import annotations

from django.utils import timezone


def session_idle_timeout(get_response):
    """Keep a signed-in session alive while it is used: a session expires
    ``SESSION_COOKIE_AGE`` after it was last saved, so a request saves it again, but at
    most once a minute (a write per page view would be a write transaction per click).
    A browser left alone longer than the age is logged out (等保 2.0 asks for this of
    systems with personal data). Requests without a session cookie, such as the API's
    bearer-token calls, are not touched."""

    def middleware(request):
        if request.session.session_key is not None and request.user.is_authenticated:
            minute = int(timezone.now().timestamp() // 60)
            if request.session.get("_seen_minute") != minute:
                request.session["_seen_minute"] = minute  # modified: saved with a new expiry
        return get_response(request)

    return middleware


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _refuse(request, status: int, code: str, message: str, detail=None):
    """The answer to a request refused before any view: JSON for the API, a Chinese page
    otherwise (it never repeats what was sent)."""
    from django.http import JsonResponse
    from django.shortcuts import render

    from govhall.core.errors import error_body

    if _is_api(request):
        return JsonResponse(error_body(code, message, detail), status=status, json_dumps_params={"ensure_ascii": False})
    return render(request, "core/refused.html", {"message": message}, status=status)


def _unusable_text(request) -> tuple[str, str] | None:
    """(where, problem) of the first text in the path, the query or a form (field values
    and uploaded files' names) that cannot be stored and printed (``core.text``)."""
    from govhall.core import text

    if found := text.problem(request.path_info):
        return "path", found
    sources = [request.GET]
    if request.content_type == "application/json" and request.body:
        import json

        try:
            data = json.loads(request.body)
        except ValueError:
            data = None  # the API answers that the body cannot be parsed
        if found := text.find(data):
            return found
    elif request.method in ("POST", "PUT", "PATCH") and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        if _is_api(request):
            # django-ninja reads request.body for a JSON parameter whatever the type says;
            # once the form is parsed from the stream that raises (a 500), so keep the body
            # (bounded by DATA_UPLOAD_MAX_MEMORY_SIZE: 413 past it) and parse from it.
            request.body  # noqa: B018
        sources.append(request.POST)
        for name, upload in request.FILES.items():
            if found := text.problem(upload.name or ""):
                return f"{name}（文件名）", found
    for source in sources:
        for name, values in source.lists():
            for value in (name, *values):
                if found := text.problem(value):
                    return text.shown(name), found
    return None


def request_guard(get_response):
    """Refuse, before any view, what no view could handle well: text that cannot be stored
    and printed anywhere in the path, query or form (400 ``invalid_text``), a body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413 ``request_too_large``) and a form Django cannot
    parse (400 ``bad_request``). A JSON body is read here too (a lone surrogate or a NUL
    can be spelled with a JSON escape): the field's path is given, e.g. ``form.经营者名称``."""
    from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
    from django.http.multipartparser import MultiPartParserError

    def middleware(request):
        try:
            found = _unusable_text(request)
        except RequestDataTooBig:
            return _refuse(request, 413, "request_too_large", "请求内容过大：单个文件请不要超过上传上限，并分开上传")
        except TooManyFieldsSent:
            return _refuse(request, 400, "bad_request", "表单字段过多")
        except (MultiPartParserError, SuspiciousOperation, UnicodeDecodeError, ValueError):
            return _refuse(request, 400, "bad_request", "请求内容无法解析：请检查上传的表单或文件（文件名不要过长）")
        if found is not None:
            where, problem = found
            return _refuse(request, 400, "invalid_text", f"“{where}”{problem}", {"field": where})
        return get_response(request)

    return middleware
