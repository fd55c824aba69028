"""Demo data for ``manage.py load_demo`` (``make run``): each app brings its own loader and
registers it here, so core, the ground every app stands on, never imports the apps above it.

An app's loader lives in its ``demo`` module (``govhall.<app>.demo``), which
:func:`loaders` imports the way the admin finds ``admin`` modules (``autodiscover_modules``);
a decorator registers it::

    @demo_loader(order=20, accounts=lambda made: [(a.username, a.description) for a in made])
    def load() -> list[DemoAccount]: ...

``order`` says what comes first, lower first: the catalogue's regions and departments (10)
before the staff who work in them (20), the accounts before the cases they file (30). A
loader must be idempotent: ``make run`` loads the demo at every start.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class DemoLoader:
    order: int
    name: str  # module.function, unique: registering the same one again replaces it
    load: Callable[[], Any]
    # The line to print after loading, from what ``load`` returned (None: print nothing).
    summary: Callable[[Any], str | None]
    # The sign-in accounts it made, (username, what the account shows): printed together at the end.
    accounts: Callable[[Any], Iterable[tuple[str, str]]]


_LOADERS: dict[str, DemoLoader] = {}


def demo_loader(
    *,
    order: int,
    summary: Callable[[Any], str | None] | None = None,
    accounts: Callable[[Any], Iterable[tuple[str, str]]] | None = None,
) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register the decorated function (no arguments) as an app's demo loader; it is returned
    unchanged, so tests may still call it directly."""

    def register(load: Callable[[], Any]) -> Callable[[], Any]:
        name = f"{load.__module__}.{load.__qualname__}"
        _LOADERS[name] = DemoLoader(
            order=order,
            name=name,
            load=load,
            summary=summary or (lambda result: None),
            accounts=accounts or (lambda result: ()),
        )
        return load

    return register


def loaders() -> list[DemoLoader]:
    """Every installed app's demo loader, in order (each app's ``demo`` module imported first)."""
    autodiscover_modules("demo")
    return sorted(_LOADERS.values(), key=lambda loader: (loader.order, loader.name))
