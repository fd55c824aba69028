"""The nearest-service-point finder: ordering by distance, the 15-minute circle, open now
with the working-day calendar, and the page and API that show it."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from govhall.stations import lockers, selectors
from govhall.stations.geo import Position
from govhall.stations.lockers import LockerSite

pytestmark = pytest.mark.django_db

BELL_TOWER = Position(34.2612, 108.9424, label="钟楼")
PARK = Position(34.2850, 108.9140, label="大兴新区")
LOCAL = datetime.timezone(datetime.timedelta(hours=8))


def at(day: str, clock: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=LOCAL)


def keys(found) -> list[str]:
    return [n.point.key for n in found]


@pytest.fixture
def no_lockers(monkeypatch):
    monkeypatch.setattr(lockers, "locker_sites", lambda: [])
    monkeypatch.setattr(selectors, "locker_sites", lambda: [])


@pytest.fixture
def two_lockers(monkeypatch):
    sites = [
        LockerSite("T-NEAR", "钟楼旁信包箱", "钟楼东", 34.2613, 108.9426),
        LockerSite("T-DAY", "日间信包箱", "土门", 34.2620, 108.8960, hours="8:00-20:00"),
    ]
    monkeypatch.setattr(selectors, "locker_sites", lambda: sites)
    return sites


def test_nearest_first_from_the_bell_tower(places, no_lockers):
    found = selectors.nearby(BELL_TOWER, at=at("2025-10-15", "10:00"))
    assert keys(found) == [
        "station-xdj-street",
        "station-bym-community",
        f"hall-{found[2].point.key[5:]}",
        "station-dxxq-park",
    ]
    assert [n.number for n in found] == [1, 2, 3, 4]
    metres = [n.metres for n in found]
    assert metres == sorted(metres)
    # 西大街 and 北院门 and the hall are a short walk; the park is not
    assert [n.within_circle for n in found] == [True, True, True, False]
    assert found[0].walk_minutes == pytest.approx(found[0].metres / 80, abs=1)


def test_from_the_park_the_park_station_comes_first(places, no_lockers):
    found = selectors.nearby(PARK, at=at("2025-10-15", "10:00"))
    assert keys(found)[0] == "station-dxxq-park"
    assert found[0].metres < 100 and found[0].within_circle
    assert not any(n.within_circle for n in found[1:])


def test_without_a_position_halls_then_stations(places, no_lockers):
    found = selectors.nearby(None, at=at("2025-10-15", "10:00"))
    assert [n.point.kind for n in found] == ["hall", "station", "station", "station"]
    assert all(n.metres is None and not n.within_circle for n in found)


def test_open_now_with_the_working_day_calendar(places, no_lockers):
    def open_at(day, clock):
        return {n.point.key: n.open_now for n in selectors.nearby(BELL_TOWER, at=at(day, clock))}

    hall = next(k for k in open_at("2025-10-15", "10:00") if k.startswith("hall-"))
    # a Wednesday morning: everything open; at lunch the community station is closed
    assert set(open_at("2025-10-15", "10:00").values()) == {True}
    lunch = open_at("2025-10-15", "13:00")
    assert lunch["station-bym-community"] is False and lunch["station-dxxq-park"] is False and lunch[hall] is False
    # National Day (a Wednesday): all closed, though it is a weekday
    assert set(open_at("2025-10-01", "10:00").values()) == {False}
    # an ordinary Saturday: only the community station's Saturday morning
    saturday = open_at("2025-10-18", "10:00")
    assert saturday == {**dict.fromkeys(saturday, False), "station-bym-community": True}
    # the Saturday inside the holiday: closed too; the adjusted working Saturday: weekday hours
    assert open_at("2025-10-04", "10:00")["station-bym-community"] is False
    adjusted = open_at("2025-10-11", "15:00")
    assert adjusted["station-xdj-street"] and adjusted[hall] and adjusted["station-bym-community"]
    found = selectors.nearby(BELL_TOWER, at=at("2025-09-30", "19:00"))
    assert found[0].next_opening == datetime.datetime(2025, 10, 9, 9, 0)  # after the break


def test_lockers_are_points_too(places, two_lockers):
    found = selectors.nearby(BELL_TOWER, at=at("2025-10-01", "03:00"))
    assert keys(found)[0] == "locker-T-NEAR"
    near = found[0]
    assert near.open_now is True and near.point.offers == ("24小时自助交件、取件",)  # day and night, holidays too
    day_only = next(n for n in found if n.point.key == "locker-T-DAY")
    assert day_only.open_now is None and "8:00-20:00" in day_only.point.offers[0]  # not guessed
    assert keys(selectors.nearby(BELL_TOWER, kinds=("locker",))) == ["locker-T-NEAR", "locker-T-DAY"]


def test_the_lockers_apps_sites_reach_the_finder(places):
    """The lockers app's demo sites, read through its selectors (the adapter in stations.lockers)."""
    from govhall.lockers.demo import load as lockers_demo

    lockers_demo()
    sites = {s.code: s for s in lockers.locker_sites()}
    assert {"LH-ST-BYM", "LH-ST-XDJ"} <= set(sites)
    found = selectors.nearby(BELL_TOWER)
    locker_keys = [k for k in keys(found) if k.startswith("locker-")]
    assert "locker-LH-ST-XDJ" in locker_keys
    # the stations name those sites as their locker equipment
    community = selectors.station_get("bym-community")
    assert [(e.locker_site, site.code if site else None) for e, site in selectors.locker_sites_of(community)] == [
        ("LH-ST-BYM", "LH-ST-BYM")
    ]


# --------------------------------------------------------------------------- the page


def test_the_finder_page_lists_by_distance_and_draws_the_map(client, places, no_lockers):
    response = client.get("/stations/", {"lat": "34.2612", "lng": "108.9424"})
    assert response.status_code == 200
    html = response.content.decode()
    order = re.findall(r'data-point="([^"]+)"', html)
    assert order[:2] == ["station-xdj-street", "station-bym-community"]
    assert "步行15分钟服务圈内有 3 个服务点" in html
    assert '<svg class="map"' in html and "15分钟步行圈" in html and 'role="img"' in html
    assert html.count("<h1>") == 1


def test_the_finder_page_takes_an_address_or_a_place(client, places, no_lockers):
    html = client.get("/stations/", {"address": "西安市莲湖区大兴东路20号"}).content.decode()
    assert "离“大兴东路”最近的服务点" in html
    assert re.findall(r'data-point="([^"]+)"', html)[0] == "station-dxxq-park"
    html = client.get("/stations/", {"place": "钟楼"}).content.decode()
    assert re.findall(r'data-point="([^"]+)"', html)[0] == "station-xdj-street"
    response = client.get("/stations/", {"address": "火星基地"})
    assert response.status_code == 400 and "未能识别该地址" in response.content.decode()


def test_the_finder_page_filters(client, places, no_lockers, monkeypatch):
    html = client.get("/stations/", {"lat": "34.2612", "lng": "108.9424", "kind": "hall"}).content.decode()
    assert [k[:5] for k in re.findall(r'data-point="([^"]+)"', html)] == ["hall-"]
    # at 13:00 on a working day only what is open at lunch is listed: nothing here
    monkeypatch.setattr(timezone, "localtime", lambda *a: at("2025-10-15", "13:00"))
    html = client.get("/stations/", {"lat": "34.2612", "lng": "108.9424", "open": "1"}).content.decode()
    assert re.findall(r'data-point="([^"]+)"', html) == []


def test_the_station_page(client, places):
    response = client.get("/stations/bym-community/")
    html = response.content.decode()
    assert response.status_code == 200 and "北院门社区政务服务驿站" in html
    assert "周一至周五 8:30-12:00，14:00-18:00；周六 9:00-12:00" in html
    assert "社会保障卡申领" in html and "24小时自助信包箱" in html and "LH-ST-BYM" in html
    assert "/assist/new/?station=bym-community" in html
    assert client.get("/stations/no-such-station/").status_code == 404


# --------------------------------------------------------------------------- the API


def test_the_api_answers_nearest_first(client, places, no_lockers):
    body = client.get("/api/v1/stations/nearby", {"lat": 34.2612, "lng": 108.9424}).json()
    assert body["position"]["source"] == "device" and body["circle_metres"] == 1200
    results = body["results"]
    assert [r["key"] for r in results][:2] == ["station-xdj-street", "station-bym-community"]
    assert [r["number"] for r in results] == list(range(1, len(results) + 1))
    assert body["within_15_minutes"] == 3 == sum(r["within_15_minutes"] for r in results)
    assert results[0]["station_code"] == "xdj-street" and results[0]["distance_m"] < 200
    # times carry their offset, as the document's date-time says (schemathesis found them naive)
    assert all(r["next_opening"] is None or r["next_opening"].endswith("+08:00") for r in results)
    by_address = client.get("/api/v1/stations/nearby", {"address": "莲湖公园"}).json()
    assert by_address["position"]["label"] == "莲湖公园" and by_address["position"]["source"] == "gazetteer"
    missing = client.get("/api/v1/stations/nearby", {"address": "火星基地"})
    assert missing.status_code == 400 and missing.json()["code"] == "address_not_found"
    assert client.get("/api/v1/stations/nearby", {"lat": 91, "lng": 0}).status_code == 422
    assert [r["kind"] for r in client.get("/api/v1/stations/nearby", {"kind": "hall"}).json()["results"]] == ["hall"]


def test_the_api_lists_stations(client, places):
    stations = {s["code"]: s for s in client.get("/api/v1/stations").json()}
    assert set(stations) == {"dxxq-park", "bym-community", "xdj-street"}
    park = stations["dxxq-park"]
    assert park["assistants"] == 2 and "自助办税机" in park["equipment"] and park["closed_on_holidays"]
    assert stations["xdj-street"]["locker_sites"] == ["LH-ST-XDJ"]
    assert client.get("/api/v1/stations/xdj-street").json()["name"] == "西大街政务服务驿站"
    missing = client.get("/api/v1/stations/nowhere")
    assert missing.status_code == 404 and missing.json()["code"] == "station_not_found"
    places_ = client.get("/api/v1/stations/places").json()
    assert any(p["name"] == "北院门社区" for p in places_)
