"""电子监察 in real Chromium on a 375 px phone: the supervisor opens the board (demo data: an
imported batch with yellow, red and overdue warnings, and an overdue case of the platform),
filters the overdue ones, reaches the case's page and its timeline in one click, issues a
bulletin to the department, and reads the board in 长辈模式 without sideways scrolling."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def supervised(transactional_db, settings, tmp_path):
    from conftest import _load_demo

    from govhall.cases.models import Case
    from govhall.cases.tests import factories as f
    from govhall.supervision import demo

    settings.MEDIA_ROOT = tmp_path / "media"
    _load_demo()
    case = f.accepted()
    Case.objects.filter(pk=case.pk).update(due_date=dt.date.today() - dt.timedelta(days=10))
    demo.load()  # imports the demo batch and sweeps
    return case


def fits(page, name: str) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.body.scrollWidth]")
    wide = page.evaluate(
        "w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1)"
        ".slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)",
        PHONE["width"],
    )
    assert max(widths) <= PHONE["width"], f"{name}: the page is {widths} px wide on a {PHONE['width']} px phone: {wide}"


def test_a_supervisor_works_the_board_on_a_phone(browser, live_server, supervised):
    from django.conf import settings

    from govhall.notify.models import Notification
    from govhall.supervision.models import Bulletin

    settings.SITE_URL = live_server.url
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{live_server.url}/accounts/login/?next=/supervision/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", settings.GOVHALL_DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/supervision/")

    assert int(page.locator('#totals [data-level="overdue"] strong').inner_text()) >= 3
    assert int(page.locator('#totals [data-level="red"] strong').inner_text()) >= 1
    assert int(page.locator('#totals [data-level="yellow"] strong').inner_text()) >= 1
    fits(page, "board")
    screenshot(page, "supervision-board")

    # only the overdue ones; names masked
    page.locator('#totals [data-level="overdue"] a').click()
    page.wait_for_url("**level=overdue**")
    levels = page.locator("#alerts tr[data-level]").evaluate_all("rows => rows.map(r => r.dataset.level)")
    assert levels and set(levels) == {"overdue"}
    assert "刘德明" not in page.content() and "刘*" in page.content()

    # the case's page (its timeline) is one click away
    page.get_by_role("link", name=supervised.number).click()
    page.wait_for_url(f"**/cases/{supervised.number}/")
    assert "受理" in page.content()
    page.go_back()

    # a bulletin to the department
    page.select_option("#bulletin-department", str(supervised.department_id))
    page.fill("#bulletin-text", "你单位有超时办件，请于3个工作日内说明原因并整改。")
    page.get_by_role("button", name="发布通报").click()
    page.wait_for_url("**/supervision/")
    assert "通报已发布" in page.content()
    bulletin = Bulletin.objects.filter(department_id=supervised.department_id).latest("created_at")
    assert supervised.number in bulletin.case_numbers
    assert Notification.objects.filter(event="supervision.bulletin", recipient__username="reviewer").exists()

    # 长辈模式: larger text, still no sideways scrolling
    page.goto(f"{live_server.url}/supervision/?mode=elder")
    assert "elder" in (page.locator("html").get_attribute("class") or "")
    fits(page, "board-elder")
    screenshot(page, "supervision-board-elder")
    context.close()
