"""工程建设项目 in real Chromium on a 375 px phone: the company's operator opens the demo
project in its second stage (stage 1 passed with its inspection and results, stage 2 under
parallel review, later stages not yet open), nothing scrolling sideways, also in 长辈模式; then
城管's chief approver decides its member case on the case page, and the project page shows
stage 2 passed and 施工许可 open for filing."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def project(transactional_db, settings, tmp_path):
    from conftest import _load_demo

    from govhall.construction import demo as construction_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    _load_demo()
    construction_demo.catalogue()
    assert construction_demo.load() is True
    return construction_demo.PROJECT


def phone(browser, live_server):
    from django.conf import settings

    settings.SITE_URL = live_server.url
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = ctx.new_page()
    page.set_default_timeout(15000)
    return page


def fits(page, name: str) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.body.scrollWidth]")
    assert max(widths) <= PHONE["width"], f"{name}: the page is {widths} px wide on a {PHONE['width']} px phone"


def sign_in(page, base: str, username: str, next_url: str) -> None:
    from django.conf import settings

    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.GOVHALL_DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{next_url}")


def test_a_project_in_its_second_stage_on_a_phone(browser, live_server, project):
    from govhall.construction.models import ProjectStage

    base = live_server.url
    url = f"/construction/{project}/"
    page = phone(browser, live_server)
    sign_in(page, base, "company", url)
    stage1, stage2, stage3 = (page.locator(f"#stage-{n}") for n in (1, 2, 3))
    assert "已通过" in stage1.inner_text() and "临时用地批准文件" in stage1.locator(".stage-result").inner_text()
    assert "用地红线与规划条件一致" in stage1.locator(".inspection").inner_text()
    text2 = stage2.inner_text()
    assert "并联审批中" in text2 and "城市管理" in text2 and "自然资源" in text2
    assert stage2.locator("li[data-case]").count() == 2
    assert "未开启" in stage3.inner_text()
    fits(page, "project")
    screenshot(page, "construction-project")
    page.goto(f"{base}{url}?mode=elder")
    fits(page, "project elder")
    page.context.close()

    # 城管 decides its member case on the case page; the stage passes, 施工许可 opens
    row = ProjectStage.objects.get(project__code=project, stage=2)
    case = next(m.case for m in row.bundle_case.members.all() if m.case.department.code == "lh-cg")
    page = phone(browser, live_server)
    sign_in(page, base, "cg-approver", url)
    assert page.locator("#stage-2 li[data-case] a.number").count() == 1  # only its own case opens
    page.locator(f"#stage-2 li[data-case='{case.number}'] a.number").click()
    page.wait_for_url(f"**/cases/{case.number}/")
    page.get_by_role("button", name="准予许可").first.click()
    page.wait_for_load_state()
    page.goto(f"{base}{url}")
    assert "已通过" in page.locator("#stage-2").inner_text()
    assert "待申报" in page.locator("#stage-3").inner_text()
    fits(page, "project passed")
    screenshot(page, "construction-stage-2-passed")
