"""What base.html needs on every page: the display mode (长辈模式), the idle limit and the
menu's links from other apps."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from govhall.core import links

# The display mode lives in a cookie, not the session, so it holds for anonymous visitors
# and across sign-in and sign-out; base.html reads it on the server, so the page arrives
# in its mode (no flash of the standard page, nothing needs JavaScript).
MODE_COOKIE = "govhall_mode"
ELDER = "elder"
STANDARD = "standard"


def is_elder(request) -> bool:
    return request.COOKIES.get(MODE_COOKIE) == ELDER


def from_link(request) -> bool:
    """A link or a poster's QR code asks for 长辈模式 (``?mode=elder``): the page shows in it,
    and offers to keep it. Only the POST of /mode/ sets the cookie: a GET must not change
    what a visitor sees next (another site's link, a link prefetcher)."""
    return request.GET.get("mode") == ELDER and not is_elder(request)


def path_without_mode(request) -> str:
    """The page's address without ``mode``: where the mode switch returns to."""
    query = [(k, v) for k, values in request.GET.lists() if k != "mode" for v in values]
    return request.path + ("?" + urlencode(query) if query else "")


def display(request) -> dict:
    offered = from_link(request)
    return {
        "elder_mode": is_elder(request) or offered,
        "elder_offer": offered,
        "mode_next_path": path_without_mode(request),
        # The idle warning (static/govhall/idle.js) counts down from this; the session
        # expires SESSION_COOKIE_AGE after it was last saved (core.middleware).
        "session_idle_seconds": settings.SESSION_COOKIE_AGE,
        # what the apps above cases put in the menu (core.links), worked out on use only
        "nav_links": SimpleLazyObject(lambda: links.nav_links(getattr(request, "user", None))),
    }
