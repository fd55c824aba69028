"""Address → position: the shipped gazetteer, and the HTTP/JSON adapter against a real local
HTTP server in a thread (core/tests/gateway.py), with the finder falling back to the
gazetteer when the service fails."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured

from govhall.core.tests.gateway import json_route, running
from govhall.stations import geocoding, services
from govhall.stations.geocoding import GazetteerGeocoder, GeocoderUnavailable, HttpJsonGeocoder, gazetteer


@pytest.mark.parametrize(
    ("address", "place"),
    [
        ("西大街88号", "西大街"),
        ("陕西省西安市莲湖区西大街88号创业大厦", "创业大厦"),  # the longest name wins
        ("ＸＸ莲湖公园 南门", "莲湖公园"),  # full-width and spaces
        ("北院门社区服务中心", "北院门社区"),
        ("西门外", "安定门"),  # an alias
        ("莲湖区", "莲湖区"),  # the district alone: its centre
        ("回民街", "北院门"),
    ],
)
def test_the_gazetteer_matches_addresses_by_text(address, place):
    found = GazetteerGeocoder().locate(address)
    assert found is not None and found.label == place and found.source == "gazetteer"


def test_the_gazetteer_finds_nothing_for_other_places():
    assert GazetteerGeocoder().locate("北京市朝阳区") is None
    assert GazetteerGeocoder().locate("") is None


def test_the_shipped_gazetteer_is_in_the_demo_district():
    shipped = gazetteer()
    assert shipped.region == "610104000000" and len(shipped.places) >= 30
    for place in shipped.places:  # around 34.26N 108.93E, within the district's few kilometres
        assert 34.22 < place.lat < 34.31 and 108.86 < place.lng < 108.97, place
    assert all(p.kind != "district" for p in shipped.choices())


def test_a_deployment_brings_its_own_gazetteer(settings, tmp_path):
    own = tmp_path / "own.json"
    own.write_text(
        json.dumps(
            {
                "name": "某区",
                "region": "610100000000",
                "centre": {"lat": 34.3, "lng": 108.9},
                "places": [{"name": "某某广场", "lat": 34.31, "lng": 108.91}],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    settings.GOVHALL_GAZETTEER = str(own)
    assert GazetteerGeocoder.check_config() == []
    assert GazetteerGeocoder().locate("某某广场东").lat == 34.31
    broken = tmp_path / "broken.json"
    broken.write_text('{"places": [{"name": "x", "lat": 99, "lng": 0}]}', encoding="utf-8")
    settings.GOVHALL_GAZETTEER = str(broken)
    assert GazetteerGeocoder.check_config() != []


@pytest.fixture
def http_geocoder(settings):
    def configure(server, path="/geocode"):
        settings.GOVHALL_GEOCODER = "http"
        settings.GOVHALL_GEOCODER_URL = server.url(path)
        settings.GOVHALL_GEOCODER_KEY = "k-123"

    return configure


def test_the_http_adapter_asks_the_service(http_geocoder):
    answer = {"found": True, "lat": 34.2601, "lng": 108.9402, "label": "西大街88号"}
    with running({"/geocode": json_route(answer)}) as server:
        http_geocoder(server)
        geocoder = geocoding.get_geocoder()
        assert isinstance(geocoder, HttpJsonGeocoder)
        found = geocoder.locate("西大街88号")
    assert (found.lat, found.lng, found.label, found.source) == (34.2601, 108.9402, "西大街88号", "http")
    (sent,) = server.requests
    assert sent["key"] == "k-123" and sent["body"] == {"address": "西大街88号", "region": "610104000000"}
    assert sent["content_type"].startswith("application/json")


def test_the_http_adapter_not_found_and_failures(http_geocoder):
    routes = {
        "/none": json_route({"found": False}),
        "/error": (500, b"boom 13800138000", "text/plain"),
        "/html": (200, b"<html>", "text/html"),
        "/nonsense": json_route({"found": True, "lat": "north", "lng": 108.9}),
        "/outside": json_route({"found": True, "lat": 134.0, "lng": 108.9}),
    }
    with running(routes) as server:
        http_geocoder(server, "/none")
        assert geocoding.get_geocoder().locate("无名地") is None
        for path in ("/error", "/html", "/nonsense", "/outside"):
            http_geocoder(server, path)
            with pytest.raises(GeocoderUnavailable) as err:
                geocoding.get_geocoder().locate("西大街")
            assert "13800138000" not in str(err.value)  # masked: 138****8000


def test_the_http_adapter_times_out(http_geocoder):
    with running({}) as server:
        http_geocoder(server, "/slow")
        geocoder = HttpJsonGeocoder(timeout=0.3)
        with pytest.raises(GeocoderUnavailable, match="秒内没有应答"):
            geocoder.locate("西大街")


@pytest.mark.django_db
def test_the_finder_falls_back_to_the_gazetteer_when_the_service_fails(http_geocoder):
    with running({"/error": (503, b"down", "text/plain")}) as server:
        http_geocoder(server, "/error")
        found, note = services.address_locate(address="莲湖公园", source="10.0.0.1")
    assert found.label == "莲湖公园" and found.source == "gazetteer"
    assert "暂时无法使用" in note


@pytest.mark.django_db
def test_the_outside_service_is_asked_at_most_so_often_per_address(http_geocoder, monkeypatch):
    monkeypatch.setattr(services, "GEOCODES_PER_HOUR", 2)
    answer = json_route({"found": True, "lat": 34.26, "lng": 108.94, "label": "某处"})
    with running({"/geocode": answer}) as server:
        http_geocoder(server)
        sources = [services.address_locate(address="莲湖公园", source="10.0.0.2")[0].source for _ in range(3)]
        other = services.address_locate(address="莲湖公园", source="10.0.0.3")[0].source
    assert sources == ["http", "http", "gazetteer"] and other == "http"
    assert len(server.requests) == 3


def test_configuration_checks(settings):
    settings.GOVHALL_GEOCODER_URL = ""
    assert HttpJsonGeocoder.check_config() == ["GOVHALL_GEOCODER_URL is not set"]
    settings.GOVHALL_GEOCODER_URL = "ftp://x"
    assert HttpJsonGeocoder.check_config() == ["GOVHALL_GEOCODER_URL must be an http:// or https:// URL"]
    with pytest.raises(ImproperlyConfigured):
        HttpJsonGeocoder()
    settings.GOVHALL_GEOCODER = "nonsense"
    assert [e.id for e in geocoding.registry.selection_errors()] == ["govhall.E001"]
    settings.GOVHALL_GEOCODER = "gazetteer"
    assert geocoding.registry.selection_errors() == [] and geocoding.registry.deploy_messages() == []
