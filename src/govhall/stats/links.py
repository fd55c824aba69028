"""The dashboard in the menu (core.links), only for those who may open it."""

from __future__ import annotations

from django.urls import reverse

from govhall.core import links
from govhall.stats import selectors


@links.for_nav
def dashboard(user):
    if user is not None and selectors.can_view(user):
        yield links.Link("统计分析", reverse("stats:dashboard"), order=60)
