"""The public "nearest service point" finder (就近服务点) and a station's page."""

from __future__ import annotations

import datetime
import math

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from govhall.core.errors import NotFound
from govhall.core.http import client_address
from govhall.stations import geo, selectors, services
from govhall.stations.geo import Position
from govhall.stations.geocoding import gazetteer
from govhall.stations.hours import WEEKDAYS
from govhall.stations.views.common import draw, error_status
from govhall.workdays.selectors import get_calendar

KINDS = {"hall": "政务服务大厅", "station": "政务服务驿站", "locker": "自助信包箱"}


def _float(value: str | None) -> float | None:
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def position_from(params, source: str = "") -> tuple[Position | None, str, str]:
    """(position, how it was found, a note) from a finder's query: ``lat``/``lng`` (the
    phone's position), else an ``address`` typed, else a gazetteer ``place`` chosen."""
    if params.get("lat", "").strip() or params.get("lng", "").strip():
        lat, lng = _float(params.get("lat")), _float(params.get("lng"))
        try:
            if lat is None or lng is None:
                raise ValueError("lat and lng go together")
            return Position(lat, lng, label="您的当前位置", source="device"), "device", ""
        except ValueError:
            # a position that is none (out of range, not a number, half of one): said, not ignored
            return None, "device", "位置无效（应为纬度-90至90、经度-180至180的数字），请重新定位或输入地址"
    address = params.get("address", "").strip()
    if address:
        found, note = services.address_locate(address=address, source=source)
        return found, "address", note
    place = params.get("place", "").strip()
    if place:
        found = next((p for p in gazetteer().choices() if p.name == place), None)
        if found is not None:
            return found.position, "place", ""
        return None, "place", "请从列表中选择地点"
    if "address" in params:  # the search form sent with nothing to search from
        return None, "address", "请输入地址、街道或地标，或选择附近的地点，或使用当前位置。"
    return None, "", ""


@require_GET
def finder(request):
    here, how, note = position_from(request.GET, client_address(request))
    kinds = tuple(k for k in request.GET.getlist("kind") if k in KINDS) or tuple(KINDS)
    open_only = request.GET.get("open") == "1"
    found = selectors.nearby(here, kinds=kinds)
    if open_only:
        found = [n for n in found if n.open_now]
        found = [
            selectors.Nearby(n.point, n.metres, n.today, n.open_now, n.next_opening, i) for i, n in enumerate(found, 1)
        ]
    shown = found[:20] if here is not None else found
    context = {
        "here": here,
        "how": how,
        "note": note,
        "address": request.GET.get("address", "")[:200],
        "place": request.GET.get("place", ""),
        "places": gazetteer().choices(),
        "kinds": [(k, label, k in kinds) for k, label in KINDS.items()],
        "open_only": open_only,
        "found": shown,
        "within": [n for n in shown if n.within_circle],
        "circle_m": geo.CIRCLE_METRES,
        "circle_minutes": geo.CIRCLE_MINUTES,
        "now": timezone.localtime(),
        "map": draw(
            "附近的政务服务点地图" if here is not None else "莲湖区政务服务点分布图", shown, here, map_id="finder-map"
        ),
    }
    status = 200 if here is not None or not how else 400
    return render(request, "stations/finder.html", context, status=status)


@require_GET
def station_detail(request, code: str):
    try:
        station = selectors.station_get(code)
    except NotFound as exc:
        error_status(exc)
    now = timezone.localtime()
    calendar = get_calendar()
    schedule = station.schedule
    point = next(p for p in selectors.service_points(("station",)) if p.key == f"station-{station.code}")
    found = selectors.nearby(None, points=[point], at=now)
    week = []
    monday = now.date() - datetime.timedelta(days=now.weekday())
    for offset in range(7):
        day = monday + datetime.timedelta(days=offset)
        hours = schedule.day(day, calendar, follows_calendar=station.closed_on_holidays)
        week.append({"label": WEEKDAYS[offset], "date": day, "text": hours.text(), "today": day == now.date()})
    context = {
        "station": station,
        "nearby": found[0],
        "week": week,
        "regular": schedule.text(),
        "items": selectors.station_items(station),
        "equipment": [e for e in station.equipment.all()],
        "lockers": selectors.locker_sites_of(station),
        "assistants": len(selectors.station_assistants(station)),
        "map": draw(f"{station.name}位置图", found, None, map_id="station-map"),
    }
    return render(request, "stations/station.html", context)
