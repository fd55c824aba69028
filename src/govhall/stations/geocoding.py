"""Address → position (地址解析): the ``geocoder`` kind of provider.

``settings.GOVHALL_GEOCODER`` enables one (``core/registry.py``, docs/providers.md):

* :class:`GazetteerGeocoder` (``gazetteer``, the default): a gazetteer the project ships
  (``stations/data/lianhu.json``: the demo district's streets, communities and landmarks
  with WGS-84 positions), or a deployment's own file of the same shape
  (``GOVHALL_GAZETTEER``). An address is matched by text: the longest place name (or alias)
  it contains wins, so 西大街88号 finds 西大街 and 莲湖区 alone finds the district's centre.
  It asks nobody, and is what the finder falls back to when an outside service fails.
* :class:`HttpJsonGeocoder` (``http``): an outside geocoding service (or a bridge in front
  of a vendor's API) over HTTP/JSON: ``POST GOVHALL_GEOCODER_URL`` with ``X-Api-Key:
  GOVHALL_GEOCODER_KEY`` and ``{"address", "region"}``; it answers ``{"found": true, "lat",
  "lng", "label"}`` in WGS-84 (a bridge to a GCJ-02 vendor converts) or ``{"found": false}``.
"""

from __future__ import annotations

import abc
import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from govhall.core.httpjson import HttpJsonClient, ServiceError
from govhall.core.registry import Provider, Registry, url_problems
from govhall.stations.geo import Position

SHIPPED = Path(__file__).resolve().parent / "data" / "lianhu.json"
MAX_ADDRESS = 200
# Words an address starts with that name no place of their own (the province, the city).
_PREFIXES = ("中国", "陕西省", "陕西", "西安市", "西安")


class GeocoderUnavailable(Exception):
    """The geocoding service could not answer (the text is masked, for staff and logs)."""


class Geocoder(Provider, abc.ABC):
    verbose_name = "地址解析"

    @abc.abstractmethod
    def locate(self, address: str) -> Position | None:
        """The position of ``address`` (WGS-84), or None when it is not found; raise
        :class:`GeocoderUnavailable` when the service cannot say."""


registry: Registry[Geocoder] = Registry("geocoder", base=Geocoder, setting="GOVHALL_GEOCODER", verbose_name="地址解析")


# --------------------------------------------------------------------------- the gazetteer


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # district, street, community, road, landmark
    lat: float
    lng: float
    aliases: tuple[str, ...] = ()

    @property
    def position(self) -> Position:
        return Position(self.lat, self.lng, label=self.name, source="gazetteer")


@dataclass(frozen=True)
class Gazetteer:
    name: str
    region: str
    centre: Position
    places: tuple[Place, ...]

    def find(self, address: str) -> Place | None:
        """The place ``address`` names: the longest name or alias it contains (a more
        specific kind first on a tie); None when it names none."""
        text = normalise(address)
        best: tuple[int, int, Place] | None = None
        for place in self.places:
            for name in (place.name, *place.aliases):
                key = normalise(name)
                if key and key in text:
                    rank = (len(key), _SPECIFIC.get(place.kind, 0))
                    if best is None or rank > best[:2]:
                        best = (*rank, place)
        return best[2] if best else None

    def choices(self) -> list[Place]:
        """Places a person may pick instead of typing (streets, communities, landmarks)."""
        return sorted((p for p in self.places if p.kind != "district"), key=lambda p: (_ORDER.get(p.kind, 9), p.name))


_SPECIFIC = {"landmark": 4, "community": 3, "road": 2, "street": 1, "district": 0}
_ORDER = {"street": 0, "community": 1, "landmark": 2, "road": 3}


def normalise(text: str) -> str:
    """Full-width to half-width, spaces and punctuation out, the province and city dropped."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_ADDRESS]
    text = re.sub(r"[\s,，.。、;；:：()（）\-—]+", "", text)
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text


def load_gazetteer(path: str | Path) -> Gazetteer:
    """A gazetteer file (the shipped one's shape); ValueError saying what is wrong."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        places = tuple(
            Place(
                name=str(p["name"]),
                kind=str(p.get("kind", "landmark")),
                lat=float(p["lat"]),
                lng=float(p["lng"]),
                aliases=tuple(str(a) for a in p.get("aliases", ())),
            )
            for p in data["places"]
        )
        for place in places:
            place.position  # noqa: B018 (checks the coordinates)
        centre = Position(float(data["centre"]["lat"]), float(data["centre"]["lng"]), label=str(data["name"]))
        return Gazetteer(name=str(data["name"]), region=str(data.get("region", "")), centre=centre, places=places)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"gazetteer {path}: {exc}") from exc


@functools.cache
def _cached(path: str) -> Gazetteer:
    return load_gazetteer(path)


def gazetteer() -> Gazetteer:
    """The configured gazetteer (``GOVHALL_GAZETTEER``, else the shipped one), read once."""
    return _cached(str(settings.GOVHALL_GAZETTEER or SHIPPED))


@registry.register("gazetteer")
class GazetteerGeocoder(Geocoder):
    """Addresses matched by text against the gazetteer (nobody is asked)."""

    verbose_name = "本地地名库"

    @classmethod
    def check_config(cls) -> list[str]:
        path = settings.GOVHALL_GAZETTEER
        if not path:
            return []
        try:
            load_gazetteer(path)
        except ValueError as exc:
            return [f"GOVHALL_GAZETTEER cannot be read: {exc}"]
        return []

    def locate(self, address: str) -> Position | None:
        place = gazetteer().find(address)
        return place.position if place else None


# --------------------------------------------------------------------------- an outside service


@registry.register("http")
class HttpJsonGeocoder(HttpJsonClient, Geocoder):
    """``POST GOVHALL_GEOCODER_URL`` (see the module's docstring)."""

    verbose_name = "HTTP 地址解析服务"
    setting = "GOVHALL_GEOCODER"
    agent = "govhall-geocoder/1"
    service = "地址解析服务"
    timeout = 5.0  # a person is waiting for the finder's answer

    @classmethod
    def check_config(cls) -> list[str]:
        return url_problems("GOVHALL_GEOCODER_URL")

    def locate(self, address: str) -> Position | None:
        try:
            answer = self.post({"address": address[:MAX_ADDRESS], "region": gazetteer().region})
        except ServiceError as exc:
            raise GeocoderUnavailable(str(exc)) from None
        if answer.get("found") is False:
            return None
        try:
            return Position(
                float(answer["lat"]),
                float(answer["lng"]),
                label=str(answer.get("label") or address)[:100],
                source="http",
            )
        except (KeyError, TypeError, ValueError):
            raise GeocoderUnavailable(f"{self.service}的应答没有有效的 lat/lng") from None


def get_geocoder() -> Geocoder:
    """A new instance of the geocoder ``settings.GOVHALL_GEOCODER`` enables."""
    return registry.configured()
