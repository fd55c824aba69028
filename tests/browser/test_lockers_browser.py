"""24小时自助信包箱 in real Chromium: an applicant reserves a drop-off cell on the case's
lockers page and the code shown there opens the cell on the cabinet's screen (paired from the
site page by a clerk, then switched to 长辈模式 and typed on its keypad at a phone's width);
a result a clerk deposits is picked up with the code from the SMS and the case is delivered.
The applicant, the clerk and the cabinet's screen each have their own browser context."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
SCREEN = {"width": 800, "height": 1280}  # a cabinet's portrait touch screen
SITE = "LH-HALL-T1"
CABINET = f"{SITE}-A"


@pytest.fixture
def lockers(transactional_db, settings, tmp_path):
    """The demo catalogue and accounts, SMS through a recording gateway, and a locker site of
    the demo hall with one cabinet (doors 01-02 small, 03 medium, 04 large)."""
    from conftest import _load_demo

    from govhall.lockers.tests import factories as lf
    from govhall.notify.tests.factories import RECORDING, RecordingBackend

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GOVHALL_SMS_BACKEND = RECORDING
    RecordingBackend.sent = []
    _load_demo()
    site, cabinets = lf.site(SITE, layout={"S": 2, "M": 1, "L": 1}, name="莲湖区政务服务中心自助信包箱")
    return site, cabinets[0][0]


def person(browser, base: str, username: str, next_url: str, viewport=PHONE):
    from django.conf import settings

    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.GOVHALL_DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{next_url}")
    return page


def screen_device(browser, viewport=SCREEN):
    """The cabinet's touch screen: a browser nobody signs in to."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def type_on_keypad(screen, code: str) -> None:
    keypad = screen.get_by_role("group", name="数字键盘")
    keypad.get_by_role("button", name="清除").click()
    for digit in code:
        keypad.get_by_role("button", name=digit, exact=True).click()
    assert screen.locator("#code-input").input_value() == code
    screen.locator("#open").click()
    screen.wait_for_load_state("domcontentloaded")


def check_keypad_fits(screen, name: str, least: float) -> None:
    """Nothing scrolls sideways, and every key and the open button is a large touch target."""
    width = screen.evaluate("() => document.documentElement.scrollWidth")
    assert width <= screen.viewport_size["width"], f"{name}: the page is {width}px wide"
    for button in [*screen.locator(".keypad button").all(), screen.locator("#open")]:
        box = button.bounding_box()
        assert box["height"] >= least and box["width"] >= least, (name, button.inner_text(), box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= screen.viewport_size["width"], (name, box)


def test_a_drop_off_code_shown_on_the_case_page_opens_the_cell_on_the_cabinet_screen(browser, live_server, lockers):
    from govhall.lockers.tests import factories as lf

    site, _cabinet = lockers
    base = live_server.url
    case = lf.accepted()  # 食品经营许可, accepted after pre-review: its originals are asked for

    # ---- the applicant: the case's lockers page, a medium cell at the site, the code once
    page = person(browser, base, "citizen", f"/lockers/cases/{case.number}/")
    page.wait_for_selector("#reserve-form")
    assert "食品经营许可申请书" in page.locator("#dropoff").inner_text()  # the originals asked for
    page.locator("#reserve-form").get_by_text(site.name).click()
    page.locator("#reserve-form").get_by_text("中格", exact=True).click()
    screenshot(page, "lockers-01-reserve")
    page.locator("#reserve").click()
    page.wait_for_selector("#issued-code")
    shown = page.locator("#issued-code").inner_text()
    assert re.fullmatch(r"\d{4} \d{4}", shown), shown
    code = shown.replace(" ", "")
    place = page.locator("#issued-place").inner_text()
    assert place == f"{site.name} A柜 03号格", place  # the only medium cell
    assert "已预约，待投件" in page.locator("#dropoff-parcel").inner_text()
    screenshot(page, "lockers-02-code")
    page.reload()  # shown once: not on the page again
    assert code not in page.content().replace(" ", "") and "开箱码有效期至" in page.locator("#dropoff").inner_text()

    # ---- a clerk pairs the cabinet's screen from the site page (a one-time link)
    clerk = person(browser, base, "clerk", f"/lockers/sites/{site.code}/")
    assert "已预约" in clerk.locator(f"#cabinet-{CABINET}").inner_text()
    clerk.locator(f"#cabinet-{CABINET}").get_by_role("button", name="生成屏幕配对链接").click()
    link = clerk.locator("#pairing-link").get_attribute("href")
    assert f"/lockers/screen/{CABINET}/?pair=" in link

    screen = screen_device(browser, PHONE)  # a phone-sized screen: the keypad must still fit
    screen.goto(link)
    screen.wait_for_selector("#code-input")
    assert screen.url.endswith(f"/lockers/screen/{CABINET}/")  # the token is gone from the address
    assert not [c for c in screen.context.cookies() if c["name"] == "sessionid"]  # nobody signed in
    check_keypad_fits(screen, "standard", 44)
    # 长辈模式 on the screen itself: larger keys, still within a 375 px screen
    screen.get_by_role("button", name="长辈模式").click()
    screen.wait_for_selector("html.elder #code-input")
    check_keypad_fits(screen, "elder", 48)
    screenshot(screen, "lockers-03-screen-elder")

    # a wrong code first: refused, the same words as for any code that opens nothing
    type_on_keypad(screen, "0" * len(code) if code != "0" * len(code) else "1" * len(code))
    assert "开箱码不正确或已失效" in screen.locator("#screen-error").inner_text()
    # the code from the case page opens door 03
    type_on_keypad(screen, code)
    opened = screen.locator("#opened").inner_text()
    assert "03号柜门已打开" in opened and "放入纸质材料" in opened, opened
    screenshot(screen, "lockers-04-opened")
    # single use: the same code again opens nothing
    type_on_keypad(screen, code)
    assert "开箱码不正确或已失效" in screen.locator("#screen-error").inner_text()

    # ---- the applicant's case page: the timeline shows the drop-off
    page.goto(f"{base}/cases/{case.number}/")
    timeline = page.locator("#timeline").inner_text()
    assert "预约信包箱交件" in timeline and "信包箱投递纸质材料" in timeline, timeline
    assert f"{site.name} A柜 03号格" in timeline
    screenshot(page, "lockers-05-timeline")
    # ---- and the clerk sees it waiting for collection (待收件), the cell occupied
    clerk.goto(f"{base}/lockers/sites/{site.code}/")
    assert case.number in clerk.locator("#collection").inner_text()
    assert "有件" in clerk.locator(f"#cabinet-{CABINET} li.cell-occupied").inner_text()


def test_a_deposited_result_is_picked_up_with_its_code_and_the_case_is_delivered(browser, live_server, lockers):
    from govhall.cases.tests import factories as f
    from govhall.lockers import services
    from govhall.lockers.tests import factories as lf
    from govhall.notify.tests.factories import RecordingBackend

    site, cabinet = lockers
    base = live_server.url
    case = lf.issued_for_locker()  # approved, issued with 自助信包箱 delivery
    applicant_phone = case.applicant.phone

    # ---- the clerk: 出件 → 信包箱自提 on the case's lockers page
    clerk = person(browser, base, "clerk", f"/lockers/cases/{case.number}/")
    clerk.wait_for_selector("#deposit-form")
    clerk.locator("#deposit-site").select_option(site.code)
    clerk.locator("#deposit").click()
    clerk.wait_for_selector("#pickup-parcel")
    assert "已存入，待取件" in clerk.locator("#pickup-parcel").inner_text()
    assert "取件码已短信发送给申请人" in clerk.locator("ul.messages").inner_text()

    # ---- the applicant's SMS carries the pick-up code
    codes = [re.search(r"取件码(\d{8})", text) for phone, text in RecordingBackend.sent if phone == applicant_phone]
    codes = [m.group(1) for m in codes if m]
    assert len(codes) == 1, RecordingBackend.sent  # the other SMS only says where the code went
    code = codes[0]
    assert code not in clerk.content()  # staff never see it

    # ---- the cabinet's screen, paired by the service a clerk's link calls
    token = services.screen_pairing(cabinet=cabinet, actor=f.user("clerk"))
    screen = screen_device(browser)
    screen.goto(f"{base}/lockers/screen/{cabinet.code}/?pair={token}")
    screen.wait_for_selector("#code-input")
    type_on_keypad(screen, code)
    opened = screen.locator("#opened").inner_text()
    assert "01号柜门已打开" in opened and "取出办理结果" in opened, opened
    screenshot(screen, "lockers-06-picked-up")

    # ---- the applicant: the case is delivered (已送达), through the lockers
    page = person(browser, base, "citizen", f"/cases/{case.number}/")
    page.wait_for_selector("#case-state")
    assert page.locator("#case-state").inner_text().strip() == "已送达"
    assert "信包箱" in page.locator("#timeline").inner_text()
    screenshot(page, "lockers-07-delivered")
    page.goto(f"{base}/lockers/cases/{case.number}/")
    assert "已凭取件码自助取件，办件已送达" in page.locator("#picked-up").inner_text()
    assert "已取件" in page.locator("#history").inner_text()
    assert page.locator("#case-state").inner_text().strip() == "已送达"
    # the clerk's site page: nothing waits any more, the cell is free again
    clerk.goto(f"{base}/lockers/sites/{site.code}/")
    assert case.number not in clerk.locator("#waiting").inner_text()
    assert clerk.locator(f"#cabinet-{CABINET} li.cell-free").count() == 4
