"""预约 in real Chromium on a phone: 张明 opens 预约办事 from 我的预约, picks 食品经营许可,
answers the situation questions (the materials list follows his answers), chooses a day and a
slot, confirms, and sees the check-in code the SMS also carries; then the same page in 长辈模式
still fits the phone. The hall's clerk finds the booking on the day list, name masked."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
FOOD = "000101005000-610104000000-000-11610104LH0000001G-1-00"


@pytest.fixture
def hall(transactional_db, settings):
    from conftest import _load_demo

    from govhall.appointments.tests import helpers as h
    from govhall.notify.tests.factories import RECORDING, RecordingBackend

    settings.GOVHALL_SMS_BACKEND = RECORDING
    RecordingBackend.sent = []
    _load_demo()
    return h.schedule(capacity=3, online=2, ahead=14)


def person(browser, base: str, username: str, next_url: str):
    from django.conf import settings

    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.GOVHALL_DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{next_url}")
    return page


def fits(page, name: str) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name}: the page scrolls sideways: {widths}"


def test_book_a_slot_on_a_phone_after_triage(browser, live_server, hall):
    from govhall.appointments.models import Appointment
    from govhall.notify.models import Notification

    base = live_server.url
    page = person(browser, base, "citizen", "/appointments/")
    page.locator("#new-appointment").click()
    page.wait_for_url("**/appointments/new/")
    fits(page, "items")
    page.get_by_role("link", name="食品经营许可", exact=True).click()

    # ---- triage: the guide's essentials, the questions, the materials for the answers
    page.wait_for_selector("#situations")
    assert "办事须知" in page.locator("#guide").inner_text()
    before = page.locator("#materials li").count()
    page.locator("#to-time").click()  # questions not answered yet: sent back to them
    assert "请先回答" in page.locator("#page-error").inner_text()
    question = page.locator("#situations fieldset").filter(has_text="是否选择告知承诺方式办理")
    question.get_by_label("是", exact=True).check()
    agent = page.locator("#situations fieldset").filter(has_text="是否委托代理人办理")
    agent.get_by_label("否，法定代表人（负责人）本人办理").check()
    page.locator("#refresh").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("#materials li").count() == before + 1
    assert "食品经营许可告知承诺书" in page.locator("#materials").inner_text()
    fits(page, "triage")
    screenshot(page, "appointments-01-triage")

    # ---- day and slot
    page.locator("#to-time").click()
    page.wait_for_selector("#slot-form")
    assert not page.locator("#no-show-block").count()
    fits(page, "slots")
    first_day = page.locator("details.slot-day[open]").first
    slot = first_day.locator("label.slot:not(.full)").first
    chosen_time = slot.locator("span").first.inner_text()
    box = slot.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"], box
    slot.click()
    screenshot(page, "appointments-02-slot")
    page.locator("#confirm").click()

    # ---- the confirmation: the code, the time, the materials
    page.wait_for_selector("#check-in-code")
    shown = page.locator("#check-in-code").inner_text()
    assert re.fullmatch(r"\d{4} \d{4}", shown), shown
    code = shown.replace(" ", "")
    appointment = Appointment.objects.get(user__username="citizen", status="booked")
    assert appointment.code == code
    assert chosen_time.split("–")[0] in page.locator("#when").inner_text()
    assert "食品经营许可告知承诺书" in page.locator("#materials").inner_text()
    sms = Notification.objects.get(event="appointment_booked", channel="sms")
    assert code in sms.text and sms.phone == "13800138000"
    fits(page, "confirmation")
    screenshot(page, "appointments-03-code")

    # ---- 我的预约 lists it; 长辈模式 still fits the phone
    page.goto(f"{base}/appointments/")
    assert code in page.locator("#live").inner_text()
    page.goto(f"{base}/appointments/{appointment.pk}/?mode=elder")
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    fits(page, "confirmation, elder mode")
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#check-in-code')).fontSize)")
    assert size >= 36, size
    screenshot(page, "appointments-04-elder")

    # ---- the hall's clerk sees it on the day list, masked, without the code
    clerk = person(browser, base, "clerk", f"/appointments/day/?date={appointment.date.isoformat()}")
    listed = clerk.locator("#day-list").inner_text()
    assert "食品经营许可" in listed and "张*" in listed and code not in listed
