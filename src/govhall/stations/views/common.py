"""What the stations pages share: the status of a refused service, the map of a page."""

from __future__ import annotations

import logging

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.utils.safestring import SafeString

from govhall.core.errors import DomainError, NotFound
from govhall.stations import maps
from govhall.stations.geocoding import gazetteer
from govhall.stations.selectors import Nearby

logger = logging.getLogger(__name__)


def posted_id(value: str | None) -> int | None:
    """A posted id or version: ASCII digits only, at most 18 (``str.isdigit`` also takes
    "²" and "١", which ``int`` refuses or reads as another number)."""
    value = (value or "").strip()
    if 0 < len(value) <= 18 and value.isascii() and value.isdigit():
        return int(value)
    return None


def error_status(exc: DomainError) -> int:
    """The page's status for a refused service (NotFound becomes the site's 404 page)."""
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    return exc.status if exc.status in (400, 403, 409, 429, 503) else 400


def draw(title: str, found: list[Nearby], here=None, *, map_id: str = "map") -> SafeString:
    """The configured map of ``found`` (numbered as listed); the drawn SVG when a tile
    service is enabled but misconfigured (``check --deploy`` says so)."""
    data = maps.MapData(
        title=title,
        markers=[
            maps.Marker(
                number=n.number,
                lat=n.point.lat,
                lng=n.point.lng,
                kind=n.point.kind,
                name=n.point.name,
                note=(f"约{n.distance_text}" if n.metres is not None else "")
                + {True: " 开放中", False: " 未开放", None: ""}[n.open_now],
            )
            for n in found
        ],
        here=here,
        places=[(p.name, p.lat, p.lng) for p in gazetteer().choices() if p.kind in ("street", "landmark", "community")],
        id=map_id,
    )
    try:
        provider = maps.get_map()
    except ImproperlyConfigured as exc:
        logger.warning("map provider misconfigured, drawing the SVG map: %s", exc)
        provider = maps.SvgMap()
    return provider.render(data)
