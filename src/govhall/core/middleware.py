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
