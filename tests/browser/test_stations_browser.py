"""就近服务点 in real Chromium on a 375 px phone: the public finder searched by an address of
the shipped gazetteer, by a place picked from its list, and by the phone's position (the
browser's geolocation, allowed and set in the context); the halls, stations and locker
banks listed nearest first, each saying whether it is open now, the SVG map drawn with the
15-minute circle, and nothing scrolling sideways (also in 长辈模式). Then an assistant files
a case for an applicant under a confirmed 委托书, from the request's page to the case."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
BELL_TOWER = {"latitude": 34.2612, "longitude": 108.9424}  # 钟楼, in the demo district

# Each listed point as the page shows it: key, distance in metres (from the text), whether
# open now (True, False, or None for "hours as posted").
POINTS = """() => [...document.querySelectorAll("#points > li[data-point]")].map((li) => {
  const d = li.querySelector(".distance");
  let metres = null;
  if (d) {
    const m = d.textContent.match(/约([\\d.]+)(米|公里)/);
    metres = m ? parseFloat(m[1]) * (m[2] === "公里" ? 1000 : 1) : null;
  }
  const open = li.querySelector(".open-now") ? true : li.querySelector(".closed-now") ? false : null;
  return {key: li.dataset.point, metres, open, number: li.querySelector(".pin").textContent.trim()};
})"""


@pytest.fixture
def stations(transactional_db, settings, tmp_path):
    """The demo catalogue and accounts, the hall's place, three stations with their
    assistants, the lockers demo's sites, and the stations demo's requests and project."""
    from conftest import _load_demo

    from govhall.lockers.demo import load as lockers
    from govhall.stations.demo import load as stations_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    _load_demo()
    lockers()
    stations_demo()


def phone(browser, live_server, **context):
    from django.conf import settings

    settings.SITE_URL = live_server.url
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", **context)
    page = ctx.new_page()
    page.set_default_timeout(15000)
    return page


def fits(page, name: str) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.body.scrollWidth]")
    assert max(widths) <= PHONE["width"], f"{name}: the page is {widths} px wide on a {PHONE['width']} px phone"


def check_list(page, here) -> list[dict]:
    """Nearest first, numbered as on the map, each open or not as the server says now."""
    from govhall.stations import selectors

    before = {n.point.key: n.open_now for n in selectors.nearby(here)}
    shown = page.evaluate(POINTS)
    after = {n.point.key: n.open_now for n in selectors.nearby(here)}
    assert len(shown) == len(before) >= 7, shown  # the hall, 3 stations, the lockers' sites: all listed
    distances = [p["metres"] for p in shown]
    assert None not in distances and distances == sorted(distances), distances
    assert [p["number"] for p in shown] == [str(i) for i in range(1, len(shown) + 1)]
    kinds = {p["key"].split("-")[0] for p in shown}
    assert kinds == {"hall", "station", "locker"}, kinds
    if before == after:  # not across a opening or closing minute
        assert {p["key"]: p["open"] for p in shown} == {k: before[k] for k in (p["key"] for p in shown)}
    assert any(p["open"] for p in shown if p["key"].startswith("locker-")), "24-hour lockers are open"
    return shown


def check_map(page, *, circle: bool) -> None:
    svg = page.locator("svg.map")
    assert svg.count() == 1 and svg.is_visible()
    box = svg.bounding_box()
    assert box["width"] > 300 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    markers = page.eval_on_selector_all("svg.map g text[font-weight=bold]", "els => els.map((e) => e.textContent)")
    assert markers and set(markers) <= {str(i) for i in range(1, 30)}, markers
    assert page.locator("svg.map title").text_content()
    assert (page.locator("svg.map circle[stroke-dasharray]").count() == 1) is circle
    if circle:
        assert "15分钟步行圈" in svg.inner_html() and "您的位置" in svg.inner_html()


def test_the_finder_on_a_phone(browser, live_server, stations):
    from govhall.stations.geocoding import gazetteer

    page = phone(browser, live_server)
    base = live_server.url
    page.goto(base + "/stations/")
    assert page.locator("h1").inner_text() == "就近服务点"
    assert page.locator("#list-title").inner_text() == "全部服务点"
    check_map(page, circle=False)
    fits(page, "finder")

    # an address of the shipped gazetteer: 西华门社区 (a community near the bell tower)
    page.fill("#id_address", "莲湖区西华门社区")
    page.get_by_role("button", name="查找附近服务点").click()
    page.wait_for_url(re.compile(r".*address=.*"))
    assert page.locator("#list-title").inner_text() == "离“西华门社区”最近的服务点"
    place = next(p for p in gazetteer().choices() if p.name == "西华门社区")
    shown = check_list(page, place.position)
    assert shown[0]["key"] in ("station-bym-community", "locker-LH-ST-BYM")  # the community station, 60 m away
    summary = page.locator("#circle-summary").inner_text()
    assert re.match(r"步行15分钟服务圈内有 \d+ 个服务点，最近的是", summary), summary
    first = page.locator("#points > li").first
    assert "15分钟服务圈内" in first.inner_text() and "步行约" in first.inner_text()
    check_map(page, circle=True)
    fits(page, "finder-address")
    screenshot(page, "stations-finder-address")

    # a place picked from the list instead
    page.fill("#id_address", "")
    page.select_option("#id_place", "大兴新区数字经济产业园")
    page.get_by_role("button", name="查找附近服务点").click()
    page.wait_for_url(re.compile(r".*place=.*"))
    assert page.locator("#points > li").first.get_attribute("data-point") == "station-dxxq-park"
    fits(page, "finder-place")

    # an address it does not know: said, with the list still there
    page.fill("#id_address", "火星基地")
    page.get_by_role("button", name="查找附近服务点").click()
    page.wait_for_load_state("domcontentloaded")
    assert "未能识别该地址" in page.get_by_role("alert").inner_text()
    fits(page, "finder-unknown")

    # a station's page from the list
    page.goto(base + "/stations/?place=西华门社区")
    page.get_by_role("link", name="北院门社区政务服务驿站").first.click()
    page.wait_for_url("**/stations/bym-community/")
    assert "北院门社区政务服务驿站" in page.locator("h1").inner_text()
    assert page.locator("svg.map").count() == 1
    fits(page, "station")


def test_the_phones_position(browser, live_server, stations):
    """The browser's geolocation, allowed for the site and set at the bell tower: one tap."""
    from govhall.stations.geo import Position

    page = phone(browser, live_server, geolocation=BELL_TOWER, permissions=["geolocation"])
    page.goto(live_server.url + "/stations/")
    button = page.get_by_role("button", name="使用我的当前位置")
    assert button.is_visible()  # shown by the script only where the browser can locate
    button.click()
    page.wait_for_url(re.compile(r".*lat=34\.261200.*lng=108\.942400.*"))
    assert page.locator("#list-title").inner_text() == "离“您的当前位置”最近的服务点"
    shown = check_list(page, Position(BELL_TOWER["latitude"], BELL_TOWER["longitude"]))
    stations = [p["key"] for p in shown if p["key"].startswith("station-")]
    assert stations == ["station-xdj-street", "station-bym-community", "station-dxxq-park"]
    within = page.locator("#points > li.in-circle").count()
    assert within >= 3 and f"步行15分钟服务圈内有 {within} 个服务点" in page.locator("#circle-summary").inner_text()
    check_map(page, circle=True)
    fits(page, "finder-position")
    screenshot(page, "stations-finder-position")

    # 长辈模式 from a poster's link: larger text, still one column, nothing sideways
    page.goto(page.url + "&mode=elder")
    assert "elder" in (page.locator("html").get_attribute("class") or "")
    check_map(page, circle=True)
    fits(page, "finder-elder")
    screenshot(page, "stations-finder-elder")


def test_a_refused_position_falls_back_to_the_address(browser, live_server, stations):
    page = phone(browser, live_server)  # no permission: the browser says no
    page.goto(live_server.url + "/stations/")
    page.get_by_role("button", name="使用我的当前位置").click()
    status = page.locator("#locate-status")
    status.filter(has_text="请在下方输入地址").wait_for()
    assert page.evaluate("() => document.activeElement.id") == "id_address"


def test_an_assistant_files_under_a_confirmed_mandate(browser, live_server, stations):
    """张明's request at the community station: he confirmed the 委托书 online (demo), so its
    assistant 张敏 files 社会保障卡申领 for him; the case's timeline says it was filed for him."""
    from django.conf import settings

    from govhall.stations.demo import SOCIAL_CARD
    from govhall.stations.models import AssistRequest

    request = AssistRequest.objects.get(applicant__user__username="citizen", station__code="bym-community")
    page = phone(browser, live_server)
    base = live_server.url
    page.goto(f"{base}/accounts/login/?next=/assist/requests/{request.number}/")
    page.fill("#id_username", "assistant3")
    page.fill("#id_password", settings.GOVHALL_DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**/assist/requests/{request.number}/")
    assert page.locator("#authorisation-state").inner_text() == "有效"
    assert page.locator("#no-authorisation").count() == 0
    fits(page, "request")
    page.locator("#file-case").click()
    page.wait_for_url(f"**/assist/requests/{request.number}/file/")
    page.select_option("#id_item", SOCIAL_CARD)
    page.get_by_role("button", name="填写申请").click()
    page.locator("#apply-form").wait_for()
    fits(page, "file")
    page.get_by_role("button", name="保存草稿，下一步上传材料").click()
    page.wait_for_url(re.compile(r".*/cases/\d+/$"))
    timeline = page.locator("#timeline").inner_text()
    assert "纳入帮办代办申请" in timeline and "张敏" in timeline
    fits(page, "case")
    screenshot(page, "stations-assisted-case")
    # back on the request: the case is listed, and the history says for whom
    page.goto(f"{base}/assist/requests/{request.number}/")
    assert page.locator("#cases li[data-case]").count() == 1
    assert "张敏（帮办代办员） 代 张明" in page.locator("ol.timeline").inner_text()
