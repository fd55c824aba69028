"""The finder's map: the ``maps`` kind of provider.

No map tiles can be fetched where govhall is developed, and a government site may not be
allowed to embed a commercial map, so the default draws the district itself:

* :class:`SvgMap` (``svg``, the default): an SVG drawn on the server from data the project
  ships: the gazetteer's streets and landmarks (``geocoding``), the service points, the
  visitor's position and the 15-minute circle, a scale bar and north. No request leaves the
  site and nothing runs in the browser.
* :class:`TileMap` (``tiles``): the same markers over raster tiles of a service the
  deployment names (``GOVHALL_MAP_TILE_URL``, an ``{z}/{x}/{y}`` template in Web Mercator,
  e.g. the province's 天地图 service through the deployment's proxy) with its attribution
  (``GOVHALL_MAP_ATTRIBUTION``). The tiles are plain ``<img>`` elements placed by the server:
  still no script. Positions are WGS-84: tiles drawn in GCJ-02 need a WGS-84 layer or a
  converting proxy.

Both draw the markers numbered as the list beside them is, so the map adds nothing the
list does not say (its text alternative names each point).
"""

from __future__ import annotations

import abc
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from govhall.core.registry import Provider, Registry, url_problems
from govhall.stations import geo
from govhall.stations.geo import Position

# A phone shows the drawing about as wide as it is drawn (375 px), so its text stays legible.
WIDTH, HEIGHT, PAD = 400, 320, 28
MIN_SPAN_M = 800  # never zoom in closer than this across
KIND_COLOURS = {"hall": "#0b4f9c", "station": "#0f7b3f", "locker": "#a3470c"}
KIND_LABELS = {"hall": "政务服务大厅", "station": "政务服务驿站", "locker": "自助信包箱"}


@dataclass(frozen=True)
class Marker:
    number: int  # the point's number in the list beside the map
    lat: float
    lng: float
    kind: str  # hall, station, locker
    name: str
    note: str = ""  # e.g. 步行约5分钟 · 开放中


@dataclass(frozen=True)
class MapData:
    title: str
    markers: list[Marker]
    here: Position | None = None  # the visitor's position: the circle is drawn around it
    radius_m: int = geo.CIRCLE_METRES
    places: list[tuple[str, float, float]] = field(default_factory=list)  # context: (name, lat, lng)
    id: str = "map"  # prefix of the element ids (unique on the page)


class MapProvider(Provider, abc.ABC):
    verbose_name = "地图"

    @abc.abstractmethod
    def render(self, data: MapData) -> SafeString:
        """The map as an HTML fragment (escaped: names come from the database)."""


registry: Registry[MapProvider] = Registry(
    "maps", base=MapProvider, setting="GOVHALL_MAP_PROVIDER", verbose_name="地图"
)


def get_map() -> MapProvider:
    """A new instance of the map ``settings.GOVHALL_MAP_PROVIDER`` enables."""
    return registry.configured()


# --------------------------------------------------------------------------- shared drawing

Project = Callable[[float, float], tuple[float, float]]


# With a position, the map frames the 15-minute circle and the points near it: those within
# FRAME_CIRCLES circles, and at least the nearest FRAME_AT_LEAST (a far one alone would
# shrink the circle to a dot). Points outside the frame stay in the list.
FRAME_CIRCLES = 2
FRAME_AT_LEAST = 3
FRAME_MAX_M = 6000


def _framed(data: MapData) -> list[Marker]:
    if data.here is None:
        return list(data.markers)
    by_distance = sorted(data.markers, key=lambda m: geo.distance_m(data.here.lat, data.here.lng, m.lat, m.lng))
    reach = FRAME_CIRCLES * data.radius_m
    if len(by_distance) >= FRAME_AT_LEAST:
        third = geo.distance_m(
            data.here.lat, data.here.lng, by_distance[FRAME_AT_LEAST - 1].lat, by_distance[FRAME_AT_LEAST - 1].lng
        )
        reach = max(reach, min(third, FRAME_MAX_M))
    return [m for m in by_distance if geo.distance_m(data.here.lat, data.here.lng, m.lat, m.lng) <= reach]


def _points(data: MapData) -> list[tuple[float, float]]:
    found = [(m.lat, m.lng) for m in _framed(data)]
    if data.here is not None:
        found.append((data.here.lat, data.here.lng))
    return found


def _extent_m(data: MapData, lat0: float, lng0: float) -> tuple[float, float, float, float]:
    """(west, south, east, north) in metres from (lat0, lng0), the circle included."""
    xs, ys = [], []
    for lat, lng in _points(data):
        x, y = _local(lat, lng, lat0, lng0)
        xs.append(x)
        ys.append(y)
    if data.here is not None:
        hx, hy = _local(data.here.lat, data.here.lng, lat0, lng0)
        xs += [hx - data.radius_m, hx + data.radius_m]
        ys += [hy - data.radius_m, hy + data.radius_m]
    if not xs:
        xs, ys = [0.0], [0.0]
    west, east, south, north = min(xs), max(xs), min(ys), max(ys)
    grow_x, grow_y = max(0.0, MIN_SPAN_M - (east - west)) / 2, max(0.0, MIN_SPAN_M - (north - south)) / 2
    return west - grow_x, south - grow_y, east + grow_x, north + grow_y


_M_PER_DEG_LAT = 110_574.0


def _local(lat: float, lng: float, lat0: float, lng0: float) -> tuple[float, float]:
    """Metres east and north of (lat0, lng0) (equirectangular: exact enough across a district)."""
    return (lng - lng0) * 111_320.0 * math.cos(math.radians(lat0)), (lat - lat0) * _M_PER_DEG_LAT


def _centre(data: MapData) -> tuple[float, float]:
    if data.here is not None:
        return data.here.lat, data.here.lng
    points = _points(data)
    if not points:
        from govhall.stations.geocoding import gazetteer

        centre = gazetteer().centre
        return centre.lat, centre.lng
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def _nice_length(metres: float) -> int:
    """The longest round length not longer than ``metres`` (a scale bar's)."""
    found = 50
    for length in (50, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10000, 20000, 50000):
        if length <= metres:
            found = length
    return found


class _Boxes:
    """What is drawn already, as boxes, so that labels and markers do not cover each other."""

    def __init__(self) -> None:
        self.boxes: list[tuple[float, float, float, float]] = []

    def free(self, box: tuple[float, float, float, float]) -> bool:
        x0, y0, x1, y1 = box
        inside = 0 <= x0 and x1 <= WIDTH and 0 <= y0 and y1 <= HEIGHT
        return inside and not any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in self.boxes)

    def take(self, box: tuple[float, float, float, float]) -> None:
        self.boxes.append(box)


_NUDGES = [(0.0, 0.0)] + [
    (r * math.cos(math.radians(a)), r * math.sin(math.radians(a))) for r in (22, 34) for a in range(-90, 270, 45)
]


def _label_box(x: float, y: float, text: str, size: float) -> tuple[float, float, float, float]:
    return x, y - size, x + size * len(text), y + 2


def _overlay(data: MapData, project: Project, m_per_px: float, *, context: bool) -> str:
    """The SVG's content: the circle, the markers (nudged apart where two would cover each
    other, e.g. a station and its locker bank), the visitor, context places where there is
    room, scale and north."""
    parts: list[str] = []
    drawn = _Boxes()
    here_xy = project(data.here.lat, data.here.lng) if data.here is not None else None
    if context:
        parts.append(f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#eef3ef"/>')
    # reserve the scale bar and north
    drawn.take((0, HEIGHT - 40, WIDTH / 3, HEIGHT))
    drawn.take((WIDTH - 44, 0, WIDTH, 52))
    if here_xy is not None:
        x, y = here_xy
        r = data.radius_m / m_per_px
        label_y = max(16.0, y - r - 6)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="#0b4f9c" fill-opacity="0.07" stroke="#0b4f9c" '
            'stroke-width="1.5" stroke-dasharray="6 4"/>'
            f'<text x="{x:.1f}" y="{label_y:.1f}" font-size="13" text-anchor="middle" fill="#0b4f9c">'
            f"15分钟步行圈（约{data.radius_m / 1000:.1f}公里）</text>"
        )
        drawn.take((x - 85, label_y - 13, x + 85, label_y + 2))
        drawn.take((x - 10, y - 10, x + 10, y + 10))
    markers = []
    for marker in sorted(data.markers, key=lambda m: m.number):
        x, y = project(marker.lat, marker.lng)
        if not (0 <= x <= WIDTH and 0 <= y <= HEIGHT):
            continue  # outside the frame: the list has it
        for dx, dy in _NUDGES:
            box = (x + dx - 12, y + dy - 12, x + dx + 12, y + dy + 12)
            if drawn.free(box) or (dx, dy) == _NUDGES[-1]:
                break
        if (dx, dy) != (0.0, 0.0):
            parts.append(f'<path d="M{x:.1f} {y:.1f} L{x + dx:.1f} {y + dy:.1f}" stroke="#4b5563" stroke-width="1"/>')
        drawn.take(box)
        markers.append((marker, x + dx, y + dy))
    for marker, x, y in reversed(markers):  # the nearest drawn last, on top
        colour = KIND_COLOURS.get(marker.kind, "#374151")
        parts.append(
            f'<g><circle cx="{x:.1f}" cy="{y:.1f}" r="11" fill="{colour}" stroke="#fff" stroke-width="2"/>'
            f'<text x="{x:.1f}" y="{y + 4:.1f}" font-size="13" font-weight="bold" text-anchor="middle" fill="#fff">'
            f"{marker.number}</text></g>"
        )
    if here_xy is not None:
        x, y = here_xy
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#d6336c" stroke="#fff" stroke-width="3"/>')
        for lx, ly in ((x + 10, y + 18), (x + 10, y - 10), (x - 62, y + 18), (x - 62, y - 10)):
            box = _label_box(lx, ly, "您的位置", 13)
            if drawn.free(box):
                parts.append(f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="13" fill="#9d174d">您的位置</text>')
                drawn.take(box)
                break
    if context:
        for name, lat, lng in data.places:
            x, y = project(lat, lng)
            box = _label_box(x + 4, y - 3, name, 12)
            if drawn.free(box):
                drawn.take(box)
                parts.insert(
                    1,
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="#8a968e"/>'
                    f'<text x="{x + 4:.1f}" y="{y - 3:.1f}" font-size="12" fill="#4b5563">{escape(name)}</text>',
                )
    length = _nice_length(WIDTH / 4 * m_per_px)
    bar = length / m_per_px
    label = f"{length}米" if length < 1000 else f"{length // 1000}公里"
    parts.append(
        f'<g><rect x="12" y="{HEIGHT - 34}" width="{bar + 16:.1f}" height="26" fill="#fff" fill-opacity="0.85"/>'
        f'<path d="M20 {HEIGHT - 16} h{bar:.1f}" stroke="#111827" stroke-width="3"/>'
        f'<text x="20" y="{HEIGHT - 21}" font-size="12" fill="#111827">{label}</text></g>'
        f'<g><text x="{WIDTH - 22}" y="26" font-size="13" text-anchor="middle" fill="#111827">北</text>'
        f'<path d="M{WIDTH - 22} 32 l-6 14 h12 z" fill="#111827"/></g>'
    )
    return "".join(parts)


def _description(data: MapData) -> str:
    lines = [f"{m.number}. {KIND_LABELS.get(m.kind, '')} {m.name} {m.note}".strip() for m in data.markers]
    if data.here is not None:
        lines.insert(0, f"中心：您的位置（{data.here.label or '当前位置'}）")
    return "；".join(lines) or "暂无服务点"


def _svg(data: MapData, content: str, css_class: str) -> str:
    return (
        f'<svg class="{css_class}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{data.id}-title {data.id}-desc" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMidYMid meet">'
        f'<title id="{data.id}-title">{escape(data.title)}</title>'
        f'<desc id="{data.id}-desc">{escape(_description(data))}</desc>{content}</svg>'
    )


# --------------------------------------------------------------------------- providers


@registry.register("svg")
class SvgMap(MapProvider):
    """The district drawn from the shipped data (see the module's docstring)."""

    verbose_name = "本地绘制（SVG）"

    def render(self, data: MapData) -> SafeString:
        lat0, lng0 = _centre(data)
        west, south, east, north = _extent_m(data, lat0, lng0)
        m_per_px = max((east - west) / (WIDTH - 2 * PAD), (north - south) / (HEIGHT - 2 * PAD))
        mid_x, mid_y = (west + east) / 2, (south + north) / 2

        def project(lat: float, lng: float) -> tuple[float, float]:
            x, y = _local(lat, lng, lat0, lng0)
            return WIDTH / 2 + (x - mid_x) / m_per_px, HEIGHT / 2 - (y - mid_y) / m_per_px

        return mark_safe(  # noqa: S308 (every text in it is escaped above)
            '<div class="map map-svg">' + _svg(data, _overlay(data, project, m_per_px, context=True), "map") + "</div>"
        )


TILE = 256
MIN_ZOOM, MAX_ZOOM = 3, 18
_PLACEHOLDERS = ("{z}", "{x}", "{y}")


def _world(lat: float, lng: float, zoom: int) -> tuple[float, float]:
    """Web Mercator pixel coordinates at ``zoom`` (EPSG:3857, as tile services cut them)."""
    size = TILE * 2**zoom
    lat = max(-85.05112878, min(85.05112878, lat))
    sin = math.sin(math.radians(lat))
    return (lng + 180) / 360 * size, (0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * size


@registry.register("tiles")
class TileMap(MapProvider):
    """Markers over a tile service's raster tiles (see the module's docstring)."""

    verbose_name = "瓦片地图服务"

    @classmethod
    def check_config(cls) -> list[str]:
        problems = url_problems("GOVHALL_MAP_TILE_URL")
        url = settings.GOVHALL_MAP_TILE_URL or ""
        if url and not all(p in url for p in _PLACEHOLDERS):
            problems.append("GOVHALL_MAP_TILE_URL must contain {z}, {x} and {y}")
        if not (settings.GOVHALL_MAP_ATTRIBUTION or "").strip():
            problems.append("GOVHALL_MAP_ATTRIBUTION is not set (tile services require their attribution)")
        return problems

    def __init__(self) -> None:
        problems = self.check_config()
        if problems:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("; ".join(problems))
        self.url = settings.GOVHALL_MAP_TILE_URL
        self.attribution = settings.GOVHALL_MAP_ATTRIBUTION.strip()

    def zoom_for(self, data: MapData) -> int:
        lat0, lng0 = _centre(data)
        west, south, east, north = _extent_m(data, lat0, lng0)
        for zoom in range(MAX_ZOOM, MIN_ZOOM - 1, -1):
            m_per_px = 156_543.03392 * math.cos(math.radians(lat0)) / 2**zoom
            if (east - west) / m_per_px <= WIDTH - 2 * PAD and (north - south) / m_per_px <= HEIGHT - 2 * PAD:
                return zoom
        return MIN_ZOOM

    def tile_url(self, z: int, x: int, y: int) -> str:
        return re.sub(r"\{([zxy])\}", lambda m: str({"z": z, "x": x, "y": y}[m.group(1)]), self.url)

    def render(self, data: MapData) -> SafeString:
        zoom = self.zoom_for(data)
        lat0, lng0 = _centre(data)
        west, south, east, north = _extent_m(data, lat0, lng0)
        # the middle of the extent, back in degrees
        mid_lat = lat0 + (south + north) / 2 / _M_PER_DEG_LAT
        mid_lng = lng0 + (west + east) / 2 / (111_320.0 * math.cos(math.radians(lat0)))
        cx, cy = _world(mid_lat, mid_lng, zoom)
        x0, y0 = cx - WIDTH / 2, cy - HEIGHT / 2
        m_per_px = 156_543.03392 * math.cos(math.radians(mid_lat)) / 2**zoom

        def project(lat: float, lng: float) -> tuple[float, float]:
            x, y = _world(lat, lng, zoom)
            return x - x0, y - y0

        count = 2**zoom
        tiles = []
        for ty in range(math.floor(y0 / TILE), math.floor((y0 + HEIGHT - 1) / TILE) + 1):
            if not 0 <= ty < count:
                continue
            for tx in range(math.floor(x0 / TILE), math.floor((x0 + WIDTH - 1) / TILE) + 1):
                style = (
                    f"left:{(tx * TILE - x0) / WIDTH * 100:.3f}%;top:{(ty * TILE - y0) / HEIGHT * 100:.3f}%;"
                    f"width:{TILE / WIDTH * 100:.3f}%;height:{TILE / HEIGHT * 100:.3f}%"
                )
                tiles.append(
                    format_html(
                        '<img src="{}" alt="" loading="lazy" style="{}">', self.tile_url(zoom, tx % count, ty), style
                    )
                )
        overlay = _svg(data, _overlay(data, project, m_per_px, context=False), "map overlay")
        return mark_safe(  # noqa: S308 (tiles built with format_html, the overlay escaped)
            f'<div class="map map-tiles" data-zoom="{zoom}">{"".join(tiles)}{overlay}</div>'
            f'<p class="map-attribution">{escape(self.attribution)}</p>'
        )
