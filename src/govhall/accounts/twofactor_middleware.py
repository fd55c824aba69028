"""With ``GOVHALL_STAFF_2FA`` on, a staff session that has not confirmed a second factor
reaches only the two-factor pages, signing in and out, and the display mode switch: every
other page (the workbench, staff pages, the admin, and the public pages too, since the
session is only half signed in) sends it to verify a code, or to enrol when it has no
authenticator yet. On the API such a session counts as no sign-in at all: session calls
are answered as anonymous ones (401 where a sign-in is needed), while bearer tokens, which
a staff member only gets with a code, are checked as before."""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse

from govhall.accounts import twofactor

_OPEN_NAMES = ("accounts:otp_verify", "accounts:otp_enrol", "accounts:login", "accounts:logout", "display_mode")


@functools.cache
def _open_paths() -> frozenset[str]:
    return frozenset(reverse(name) for name in _OPEN_NAMES)


def staff_second_factor(get_response):
    def middleware(request):
        user = request.user
        if user.is_authenticated and twofactor.required(user) and not _verified(user):
            if request.path_info.startswith("/api/"):
                request.user = AnonymousUser()
            elif request.path_info not in _open_paths():
                return _to_second_factor(request, user)
        return get_response(request)

    return middleware


def _verified(user) -> bool:
    is_verified = getattr(user, "is_verified", None)  # set by django-otp's OTPMiddleware
    return bool(is_verified and is_verified())


def _to_second_factor(request, user):
    name = "accounts:otp_verify" if twofactor.confirmed_device(user) else "accounts:otp_enrol"
    url = reverse(name)
    if request.method == "GET":
        url += "?" + urlencode({"next": request.get_full_path()})
    if request.headers.get("HX-Request"):  # htmx follows this header, not a 302 to a whole page
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)
