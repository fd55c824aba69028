"""Where supervision shows on pages it does not own (core.links): the board in the menu, for
those who may open it."""

from __future__ import annotations

from django.urls import reverse

from govhall.core import links


@links.for_nav
def board(user):
    from govhall.supervision.selectors import may_supervise

    if user is not None and user.is_authenticated and may_supervise(user):
        yield links.Link("电子监察", reverse("supervision:board"), order=60)
