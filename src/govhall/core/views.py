"""Pages of our own: switching the display mode (标准模式 / 长辈模式), and the API's answer
for paths it does not have."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from govhall.core.context_processors import ELDER, MODE_COOKIE, STANDARD
from govhall.core.errors import error_body

MODE_COOKIE_AGE = 365 * 24 * 3600


def _safe_next(request) -> str:
    """Where to go back to: the form's ``next`` or the Referer, if it is on this site;
    otherwise the home page. Never anywhere else (no open redirect)."""
    for candidate in (request.POST.get("next"), request.META.get("HTTP_REFERER")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return reverse("home")


@require_POST
def display_mode(request):
    """Set (``mode=elder``) or clear (``mode=standard``) the display-mode cookie and go back.
    A plain form POST with the CSRF token, so it works without JavaScript."""
    mode = request.POST.get("mode")
    if mode not in (ELDER, STANDARD):
        return HttpResponseBadRequest("mode must be elder or standard")
    response = HttpResponseRedirect(_safe_next(request))
    if mode == ELDER:
        response.set_cookie(
            MODE_COOKIE,
            ELDER,
            max_age=MODE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,  # only the server reads it
        )
    else:
        response.delete_cookie(MODE_COOKIE, samesite="Lax")
    return response


@csrf_exempt  # writes nothing: a POST to a path no endpoint answers gets the JSON 404, not the CSRF page
def api_not_found(request, rest: str = ""):
    """Any /api/ path no endpoint answers: the API's JSON error, not an HTML page (a client
    reads ``code``), and no redirect to an added slash (it would turn a POST into a GET)."""
    return JsonResponse(
        error_body("not_found", "接口不存在，请查阅接口文档 /api/v1/docs"),
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )
