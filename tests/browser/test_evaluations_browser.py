"""好差评 in real Chromium: the hall manager pairs a tablet as window 1's evaluator screen;
the clerk serving a case presses 请申请人评价 on the case page; the applicant, on the
tablet (no sign-in), gives 不满意 with a reason; the market bureau's reviewer records the
callback and the rectification and closes the task; the supervisor sees it closed, and
the public disclosure page (no sign-in) counts the bad review with its status and shows no
personal data."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
TABLET = {"width": 800, "height": 1280}


@pytest.fixture
def hall(transactional_db, settings, tmp_path):
    from conftest import _load_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    _load_demo()


def person(browser, base: str, username: str | None, next_url: str, viewport=PHONE):
    from django.conf import settings

    context = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    if username is None:
        page.goto(f"{base}{next_url}")
        return page
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.GOVHALL_DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{next_url}")
    return page


def fits(page, name: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name}: the page is {width}px wide"


def test_bad_review_at_the_window_is_called_back_rectified_and_disclosed(hall, browser, live_server):
    from govhall.accounts.models import Window
    from govhall.cases.tests import factories as f
    from govhall.evaluations.models import CallbackTask, Evaluation

    base = live_server.url
    case = f.accepted()  # 张明's food licence, accepted at the hall by the clerk at window 1
    window = Window.objects.get(hall__name="莲湖区政务服务中心", code="1")

    # the hall manager pairs the tablet of window 1: the code is shown once
    manager = person(browser, base, "manager", "/evaluations/devices/")
    manager.locator(f"#window-{window.pk} button[value=pair]").click()
    code = manager.locator("#pairing-code").inner_text().strip()
    assert len(code) >= 43
    manager.goto(f"{base}/evaluations/devices/")  # not reload: that would post the pairing again
    assert code not in manager.content()

    # the tablet facing the applicant: paired by the code, no staff session
    tablet = person(browser, base, None, "/evaluations/screen/", viewport=TABLET)
    tablet.wait_for_url("**/evaluations/screen/pair/")
    tablet.fill("#id_code", code)
    tablet.get_by_role("button", name="配对").click()
    tablet.wait_for_url("**/evaluations/screen/")
    assert tablet.locator("#screen-idle").is_visible()

    # the clerk asks for the evaluation from the case page
    clerk = person(browser, base, "clerk", f"/cases/{case.number}/")
    clerk.get_by_role("button", name="请申请人评价").click()  # one button on the case page
    clerk.wait_for_url(f"**/cases/{case.number}/")
    assert "已在1号窗口评价器上请申请人评价" in clerk.content()

    # the screen refreshes itself (meta refresh, no JavaScript needed) and shows the case masked
    tablet.wait_for_selector("#evaluation-form", timeout=20000)
    shown = tablet.locator("#screen-case").inner_text()
    assert case.number not in shown and "张*" in shown
    tablet.locator("#levels").get_by_label("不满意", exact=True).check()
    for indicator in ("overall", "service_efficiency", "service_level", "attitude"):
        tablet.locator(f"#indicator-{indicator}").get_by_label("不满意", exact=True).check()
    tablet.get_by_role("button", name="提交评价").click()
    assert "请写明不满意的原因" in tablet.locator("#page-error").inner_text()  # a bad review says why
    tablet.locator("#levels").get_by_label("不满意", exact=True).check()
    for indicator in ("overall", "service_efficiency", "service_level", "attitude"):
        tablet.locator(f"#indicator-{indicator}").get_by_label("不满意", exact=True).check()
    tablet.fill("#id_comment", "排队等了一个多小时，窗口只开了一个")
    tablet.get_by_role("button", name="提交评价").click()
    tablet.wait_for_selector("#thanks")
    screenshot(tablet, "evaluations-screen-thanks")
    evaluation = Evaluation.objects.get(case=case)
    assert (evaluation.channel, evaluation.level) == ("PJQ", 2)
    task = CallbackTask.objects.get(evaluation=evaluation)

    # the market bureau's reviewer: callback, rectification, close — nothing skipped
    reviewer = person(browser, base, "reviewer", "/evaluations/tasks/")
    reviewer.locator(f"#task-row-{task.pk} a").click()
    assert reviewer.locator("#task-state").inner_text() == "待回访"
    assert reviewer.locator("#close-form").count() == 0 and reviewer.locator("#rectify-form").count() == 0
    fits(reviewer, "task page")
    reviewer.select_option("#id_method", "phone")
    reviewer.select_option("#id_outcome", "reached")
    reviewer.fill("#id_summary", "电话回访申请人，反映午间只开一个窗口，等候时间过长，情况属实")
    reviewer.get_by_role("button", name="登记回访").click()
    reviewer.wait_for_selector("#rectify-form")
    assert reviewer.locator("#task-state").inner_text() == "待整改"
    reviewer.select_option("#id_cause", "process")
    reviewer.fill("#id_measures", "调整午间排班，高峰时段增开两个综合窗口，并在叫号屏公示预计等候时间")
    reviewer.get_by_role("button", name="登记整改").click()
    reviewer.wait_for_selector("#close-form")
    reviewer.fill("#id_note", "已调整午间排班，高峰时段增开窗口，感谢您的监督")
    reviewer.get_by_role("button", name="办结并告知申请人").click()
    reviewer.wait_for_selector("#closing")
    assert reviewer.locator("#task-state").inner_text() == "已办结"
    screenshot(reviewer, "evaluations-task-closed")

    # the supervisor sees it closed, and cannot act on it
    supervisor = person(browser, base, "supervisor", "/evaluations/tasks/?state=closed")
    assert "已办结" in supervisor.locator(f"#task-row-{task.pk} .task-state").inner_text()
    supervisor.locator(f"#task-row-{task.pk} a").click()
    assert "增开两个综合窗口" in supervisor.locator("#rectifications").inner_text()
    assert supervisor.locator("form.act").count() == 0

    # the public disclosure page counts it, without personal data
    public = person(browser, base, None, "/evaluations/public/")
    assert public.locator("#total-count").inner_text() == "1"
    assert public.locator("#bad-count").inner_text() == "1"
    assert "0.0%" in public.locator("#total-rate").inner_text()
    row = public.locator("#bad-reviews tbody tr").first.inner_text()
    assert "区市场监督管理局" in row and "已办结" in row and "流程或制度原因" in row
    text = public.content()
    for private in (case.number, "张明", "13800138000", "排队等了一个多小时"):
        assert private not in text
    fits(public, "public page")
    screenshot(public, "evaluations-public")
