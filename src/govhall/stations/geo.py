"""Distances on the ground: WGS-84 positions, great-circle distance and the 15-minute circle.

Every position govhall stores or is given is WGS-84 (what a phone's GPS and the browser's
geolocation report). Chinese web maps draw in GCJ-02, offset by a few hundred metres: a
tile service or geocoder that speaks GCJ-02 is converted by the deployment's adapter, never
here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
# 15分钟政务服务圈: a quarter of an hour on foot at 80 m a minute (4.8 km/h, an unhurried
# adult's pace). Distances are straight lines: streets make a walk longer, so "within the
# circle" is a promise about the map, and the minutes shown are a lower bound.
WALK_METRES_PER_MINUTE = 80
CIRCLE_MINUTES = 15
CIRCLE_METRES = WALK_METRES_PER_MINUTE * CIRCLE_MINUTES  # 1,200 m


@dataclass(frozen=True)
class Position:
    """A WGS-84 position and what it is (an address found in the gazetteer, a phone's
    position…), for people: ``label`` says where, ``source`` who said so."""

    lat: float
    lng: float
    label: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        check(self.lat, self.lng)


def check(lat: float, lng: float) -> None:
    """ValueError unless (lat, lng) is a position on the globe (finite, in range)."""
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise ValueError(f"not a WGS-84 position: {lat!r}, {lng!r}")


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine; within 0.5% of the ellipsoid's)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def walk_minutes(metres: float) -> int:
    """Whole minutes on foot for a straight-line distance (at least 1)."""
    return max(1, math.ceil(metres / WALK_METRES_PER_MINUTE))


def within_circle(metres: float) -> bool:
    return metres <= CIRCLE_METRES


def distance_text(metres: float) -> str:
    """How far, as people say it: 350米, 1.2公里."""
    if metres < 1000:
        return f"{max(10, round(metres / 10) * 10)}米"
    return f"{metres / 1000:.1f}公里"
