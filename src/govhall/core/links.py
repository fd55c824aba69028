"""Links an app puts on pages it does not own: a case's page, an item's guide and the main
navigation.

The domains above cases (lockers and stations now; bundles, evaluations, supervision next)
must be reachable from the case page and the menu, yet cases and core never import them
(``make lint`` keeps the layers). So those pages ask this registry, and each app registers,
in its ``AppConfig.ready``, a function that returns the links it has for this case and this
person — usually none, and never one to something the person may not open (decision 0008).

    @links.for_case
    def lockers_of(case, user):
        if selectors.dropoff_offered(case, user):
            yield links.Link("预约信包箱交件", reverse("lockers:case", args=[case.number]))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    note: str = ""  # one short line under the link (e.g. "开箱码已短信发送")
    order: int = 100  # lower first; the registering app's own choice
    # "post": the case page draws a one-button form (with the CSRF token) to ``url``, for a
    # link that does something (请申请人评价) rather than opens a page; nav links are GETs
    method: str = "get"


CaseLinks = Callable[[Any, Any], Iterable[Link]]
ItemLinks = Callable[[Any, Any], Iterable[Link]]
NavLinks = Callable[[Any], Iterable[Link]]

_case: list[CaseLinks] = []
_item: list[ItemLinks] = []
_nav: list[NavLinks] = []


def for_case(function: CaseLinks) -> CaseLinks:
    """Register ``function(case, user) -> Iterable[Link]`` for the case page."""
    if function not in _case:
        _case.append(function)
    return function


def for_item(function: ItemLinks) -> ItemLinks:
    """Register ``function(item, user) -> Iterable[Link]`` for an item's guide (办事指南; the
    user may be anonymous: the guide is public). The guide is the busiest page: one or two
    queries at most, none when the app has nothing for any item."""
    if function not in _item:
        _item.append(function)
    return function


def for_nav(function: NavLinks) -> NavLinks:
    """Register ``function(user) -> Iterable[Link]`` for the main navigation (the user may
    be anonymous)."""
    if function not in _nav:
        _nav.append(function)
    return function


def case_links(case, user) -> list[Link]:
    return sorted((link for function in _case for link in function(case, user)), key=lambda link: link.order)


def item_links(item, user) -> list[Link]:
    return sorted((link for function in _item for link in function(item, user)), key=lambda link: link.order)


def nav_links(user) -> list[Link]:
    return sorted((link for function in _nav for link in function(user)), key=lambda link: link.order)
