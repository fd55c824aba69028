"""The map provider switch: the SVG drawn from the shipped data by default, a tile service
a deployment configures, and the fallback when it is misconfigured."""

from __future__ import annotations

import re

import pytest

from govhall.stations import maps
from govhall.stations.geo import Position

DATA = maps.MapData(
    title="测试地图",
    markers=[
        maps.Marker(1, 34.2596, 108.9430, "station", "西大街政务服务驿站", "约180米"),
        maps.Marker(2, 34.2597, 108.9431, "locker", "<script>信包箱</script>"),  # the same building
        maps.Marker(3, 34.2656, 108.9329, "hall", "莲湖区政务服务中心"),
        maps.Marker(4, 34.2848, 108.9142, "station", "大兴新区驿站"),  # far: out of the frame
    ],
    here=Position(34.2612, 108.9424, label="钟楼"),
    places=[("钟楼", 34.2612, 108.9424), ("鼓楼", 34.2620, 108.9387)],
    id="m1",
)


def test_the_default_draws_an_svg_from_the_shipped_data(settings):
    settings.GOVHALL_MAP_PROVIDER = "svg"
    html = str(maps.get_map().render(DATA))
    assert html.startswith('<div class="map map-svg"><svg class="map"')
    assert 'role="img" aria-labelledby="m1-title m1-desc"' in html and '<title id="m1-title">测试地图</title>' in html
    assert "15分钟步行圈" in html and "您的位置" in html
    assert "<script>" not in html and "&lt;script&gt;" in html  # names are escaped
    # the far station is outside the frame and left to the list; the near two are drawn apart
    assert {n for n in re.findall(r'font-weight="bold" text-anchor="middle" fill="#fff">(\d+)<', html)} == {
        "1",
        "2",
        "3",
    }
    assert "4. 政务服务驿站 大兴新区驿站" in html  # ... but the description names it
    circles = [(float(x), float(y)) for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="11"', html)]
    assert len(circles) == 3
    for i, a in enumerate(circles):
        for b in circles[i + 1 :]:
            assert (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 >= 20**2  # no marker covers another
    assert "http" not in html.replace("http://www.w3.org/2000/svg", "")  # nothing fetched


def test_a_deployment_switches_to_a_tile_service(settings):
    settings.GOVHALL_MAP_PROVIDER = "tiles"
    settings.GOVHALL_MAP_TILE_URL = "https://tiles.example.gov.cn/wgs84/{z}/{x}/{y}.png"
    settings.GOVHALL_MAP_ATTRIBUTION = "© 测绘地理信息局 审图号：GS(2024)0001号"
    provider = maps.get_map()
    assert isinstance(provider, maps.TileMap) and maps.TileMap.check_config() == []
    html = str(provider.render(DATA))
    tiles = re.findall(r'<img src="https://tiles\.example\.gov\.cn/wgs84/(\d+)/(\d+)/(\d+)\.png" alt=""', html)
    assert tiles and len({z for z, _, _ in tiles}) == 1
    zoom = int(tiles[0][0])
    assert zoom == provider.zoom_for(DATA) and 12 <= zoom <= 18
    # the tile under the Bell Tower at that zoom is among them (standard slippy-map numbering)
    x, y = maps._world(34.2612, 108.9424, zoom)
    assert (str(zoom), str(int(x // 256)), str(int(y // 256))) in tiles
    assert 'class="map overlay"' in html and "15分钟步行圈" in html
    assert "审图号：GS(2024)0001号" in html


def test_a_misconfigured_tile_service_is_reported_and_the_page_draws_the_svg(settings, client, db):
    settings.GOVHALL_MAP_PROVIDER = "tiles"
    settings.GOVHALL_MAP_TILE_URL = "https://tiles.example.gov.cn/tile.png"
    settings.GOVHALL_MAP_ATTRIBUTION = ""
    assert maps.TileMap.check_config() == [
        "GOVHALL_MAP_TILE_URL must contain {z}, {x} and {y}",
        "GOVHALL_MAP_ATTRIBUTION is not set (tile services require their attribution)",
    ]
    assert [m.id for m in maps.registry.deploy_messages()] == ["govhall.E002", "govhall.E002"]
    html = client.get("/stations/").content.decode()
    assert '<svg class="map"' in html and "tiles.example" not in html


def test_the_page_uses_the_configured_provider(settings, client, db):
    settings.GOVHALL_MAP_PROVIDER = "tiles"
    settings.GOVHALL_MAP_TILE_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    settings.GOVHALL_MAP_ATTRIBUTION = "© 示例地图"
    html = client.get("/stations/", {"lat": "34.2612", "lng": "108.9424"}).content.decode()
    assert "map-tiles" in html and "© 示例地图" in html


@pytest.mark.parametrize("here", [None, Position(34.26, 108.94)])
def test_an_empty_map_still_draws(here):
    html = str(maps.SvgMap().render(maps.MapData(title="空", markers=[], here=here)))
    assert ("<svg" in html and "暂无服务点" in html) or "您的位置" in html
