"""取号叫号 in real Chromium.

1. An applicant who booked checks in at the hall's kiosk (paired by the manager's code, no
   login) with the appointment's code and gets a priority number; the hall screen (a TV,
   polling) shows the call when the clerk presses 叫下一号 and speaks it in Mandarin; the
   applicant's phone page says which window; the clerk serves, links the case taken in from the
   case page (关联当前叫号) and finishes; the window's evaluator screen shows that case and the
   applicant evaluates it.
2. The hall screen keeps updating for a simulated hour without a reload: 720 poll cycles (an
   hour at 5 s) at a short interval while numbers are called and the network fails now and
   then; it always shows the latest call, never reloads, and its DOM does not grow.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 800, "height": 1280}
TV = {"width": 1280, "height": 720}
PHONE = {"width": 375, "height": 812}
# speechSynthesis is recorded, not played (a test machine has no voice)
RECORD_SPEECH = """
window.__spoken = [];
window.__loadedAt = Date.now();
if (window.speechSynthesis) {
  window.speechSynthesis.speak = function (u) { window.__spoken.push(u.text + '|' + u.lang); };
}
"""


@pytest.fixture
def hall(transactional_db, monkeypatch, settings, live_server):
    from conftest import _load_demo

    from govhall.appointments.tests import helpers as ah
    from govhall.queues.tests.helpers import Clock

    settings.SITE_URL = live_server.url  # the QR codes' and ticket links' address
    _load_demo()
    ah.schedule("A")
    # the queue's clock on a working Monday morning (the hall is closed when the tests run at night)
    clock = Clock(ah.at(ah.MONDAY, 9, 55))
    monkeypatch.setattr("govhall.queues.services._now", clock)
    return clock


def context_page(browser, viewport, *, script: str | None = None):
    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    if script:
        context.add_init_script(script)
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def signed_in(browser, base: str, username: str, next_url: str, viewport=TABLET):
    from django.conf import settings

    page = context_page(browser, viewport)
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.GOVHALL_DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{next_url}")
    return page


def paired(browser, base: str, code: str, viewport, *, target: str, query: str = "", script: str | None = None):
    page = context_page(browser, viewport, script=script)
    page.goto(f"{base}/queue/pair/")
    page.fill("#code", code)
    page.get_by_role("button", name="配对").click()
    page.wait_for_url(f"**{target}")
    if query:
        page.goto(f"{base}{target}{query}")
    return page


def test_check_in_at_the_kiosk_called_on_the_screen_served_and_evaluated(hall, browser, live_server):
    from govhall.appointments.tests import helpers as ah
    from govhall.cases.tests import factories as f
    from govhall.evaluations.models import Evaluation
    from govhall.evaluations.tests import helpers as eh
    from govhall.evaluations.views import SCREEN_COOKIE
    from govhall.queues.models import Ticket, TicketCase

    base = live_server.url
    person, _ = ah.person()
    appointment = ah.book(person, ah.at(ah.MONDAY, 10))

    # the hall manager makes a kiosk and a screen code on 取号叫号设备
    manager = signed_in(browser, base, "manager", "/queue/devices/")
    manager.select_option("#kind", "kiosk")
    manager.locator("#pair").click()
    kiosk_code = manager.locator("#pairing-code").inner_text().strip()
    manager.select_option("#kind", "screen")
    manager.locator("#pair").click()
    screen_code = manager.locator("#pairing-code").inner_text().strip()
    assert len(kiosk_code) >= 24 and kiosk_code != screen_code

    screen = paired(browser, base, screen_code, TV, target="/queue/screen/", query="?poll=300", script=RECORD_SPEECH)
    assert "暂无叫号" in screen.locator("#screen-calls").inner_text()
    kiosk = paired(browser, base, kiosk_code, TABLET, target="/queue/kiosk/")

    # check in with the appointment's code: a priority number of group A
    kiosk.fill("#appointment", appointment.code)
    kiosk.get_by_role("button", name="签到取号").click()
    number = kiosk.locator("#issued-number").inner_text().strip()
    assert number == "A001" and "预约优先" in kiosk.locator("#issued").inner_text()
    ticket_url = kiosk.locator("#ticket-link").get_attribute("href")
    screenshot(kiosk, "queue-kiosk-issued")

    phone = context_page(browser, PHONE)
    phone.goto(ticket_url)
    assert "前面还有 0 人" in phone.locator("#ticket-position").inner_text()

    # the clerk at window 1 calls the next number: the screen shows and speaks it
    clerk = signed_in(browser, base, "clerk", "/queue/workbench/")
    clerk.locator("#call-next").click()
    assert clerk.locator("#current-number").inner_text() == "A001"
    screen.wait_for_function("() => document.querySelector('#screen-calls').innerText.includes('A001')")
    assert "1" in screen.locator("#screen-calls li").first.locator("strong").inner_text()
    screen.wait_for_function("() => window.__spoken.length > 0")
    assert screen.evaluate("window.__spoken[0]") == "请A零零一号到1号窗口办理|zh-CN"
    screenshot(screen, "queue-hall-screen")
    phone.reload()
    assert "请到 1 号窗口办理" in phone.locator("#ticket-window").inner_text()

    # served: the case taken in at the window is linked from its page, then finished
    clerk.locator("#start").click()
    case = f.accepted()
    clerk.goto(f"{base}/cases/{case.number}/")
    clerk.get_by_role("button", name="关联当前叫号").click()
    clerk.wait_for_url(f"**/cases/{case.number}/")
    assert "已关联排队号 A001" in clerk.content()
    ticket = Ticket.objects.get(number="A001")
    assert TicketCase.objects.filter(ticket=ticket, case=case).exists()

    device, secret = eh.paired_window("1")
    tablet = context_page(browser, TABLET)
    tablet.context.add_cookies([{"name": SCREEN_COOKIE, "value": secret, "url": base}])
    clerk.goto(f"{base}/queue/workbench/")
    assert case.number in clerk.locator("#linked-cases").inner_text()
    clerk.locator("#finish").click()
    assert "已请申请人在窗口评价器上评价" in clerk.content()
    ticket.refresh_from_db()
    assert ticket.state == "finished"

    tablet.goto(f"{base}/evaluations/screen/")
    tablet.wait_for_selector("#evaluation-form")
    tablet.locator("#levels").get_by_label("非常满意", exact=True).check()
    for indicator in ("overall", "service_efficiency", "service_level", "attitude"):
        tablet.locator(f"#indicator-{indicator}").get_by_label("非常满意", exact=True).check()
    tablet.get_by_role("button", name="提交评价").click()
    evaluation = Evaluation.objects.get(case=case)
    assert evaluation.channel == "PJQ" and evaluation.level == 5 and evaluation.window_id == device.window_id


def test_the_hall_screen_keeps_updating_for_a_simulated_hour(hall, browser, live_server):
    from govhall.accounts.models import Hall, User
    from govhall.queues import services
    from govhall.queues.models import Device, Source

    base = live_server.url
    manager = User.objects.get(username="manager")
    the_hall = Hall.objects.get(name="莲湖区政务服务中心")
    _, secret = services.device_pair(actor=manager, hall=the_hall, kind=Device.Kind.SCREEN)
    screen = paired(browser, base, secret, TV, target="/queue/screen/", query="?poll=20", script=RECORD_SPEECH)
    loaded_at = screen.evaluate("window.__loadedAt")
    screen.evaluate("window.__sameDocument = true")

    # every 40th state request fails (a network hiccup): the screen must carry on
    seen = {"n": 0}

    def flaky(route):
        seen["n"] += 1
        if seen["n"] % 40 == 0:
            route.abort("connectionreset")
        else:
            route.continue_()

    screen.route("**/queue/screen/state/", flaky)
    clerk = User.objects.get(username="clerk")
    nodes_at_start = None
    last = None
    cycles = 720  # one hour at the production pace of 5 s
    for minute in range(60):
        # a number a minute, called at window 1
        services.issue(hall=the_hall, group="A", source=Source.KIOSK)
        current = services.current_ticket(clerk)
        if current is not None:
            services.act(actor=clerk, ticket=current, action="start")
            services.act(actor=clerk, ticket=current, action="finish")
        last = services.call_next(actor=clerk).number
        hall.advance(minutes=1)
        target = (minute + 1) * cycles // 60
        screen.wait_for_function(f"() => window.govhallQueueScreen.polls >= {target}", timeout=60000)
        if minute == 5:
            nodes_at_start = screen.evaluate("document.getElementsByTagName('*').length")
    screen.wait_for_function(
        f"() => document.querySelector('#screen-calls li .queue-number').textContent === '{last}'", timeout=15000
    )
    stats = screen.evaluate("window.govhallQueueScreen")
    assert stats["polls"] >= cycles and stats["errors"] >= 10, stats
    assert stats["last"] == last
    # never reloaded: the same document, the same load time
    assert screen.evaluate("window.__sameDocument") is True and screen.evaluate("window.__loadedAt") == loaded_at
    # nothing grows: the list holds the last calls only, the DOM stays the same size
    assert screen.locator("#screen-calls li").count() <= 6
    assert screen.evaluate("document.getElementsByTagName('*').length") == nodes_at_start
    # every call was announced once (the first call before the page had it is spoken too)
    spoken = screen.evaluate("window.__spoken")
    assert len(spoken) >= 55 and spoken[-1].startswith(f"请{last[0]}")
    # the hiccup notice clears with the next good poll (the last poll may itself have been a
    # dropped one: every 40th is, so wait for the recovery instead of reading it at once)
    screen.wait_for_function("() => document.getElementById('screen-status').textContent === ''", timeout=15000)
    screenshot(screen, "queue-hall-screen-after-an-hour")
