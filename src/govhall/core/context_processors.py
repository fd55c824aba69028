"""What base.html needs on every page: the display mode (长辈模式) and the idle limit."""

from __future__ import annotations

from django.conf import settings

# The display mode lives in a cookie, not the session, so it holds for anonymous visitors
# and across sign-in and sign-out; base.html reads it on the server, so the page arrives
# in its mode (no flash of the standard page, nothing needs JavaScript).
MODE_COOKIE = "govhall_mode"
ELDER = "elder"
STANDARD = "standard"


def is_elder(request) -> bool:
    return request.COOKIES.get(MODE_COOKIE) == ELDER


def display(request) -> dict:
    return {
        "elder_mode": is_elder(request),
        # The idle warning (static/govhall/idle.js) counts down from this; the session
        # expires SESSION_COOKIE_AGE after it was last saved (core.middleware).
        "session_idle_seconds": settings.SESSION_COOKIE_AGE,
    }
