"""The whole life of a 食品经营许可 case through the pages, in real Chromium on a phone-sized
screen: online application, correction, deferral acceptance, approval, deferred material,
issue, licence download and public verification. Each person has their own browser context."""

from __future__ import annotations

import io
import re

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOOD = "000101005000-610104000000-000-11610104LH0000001G-1-00"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo_data(transactional_db, settings, tmp_path):
    from govhall.accounts import demo as accounts_demo
    from govhall.catalog import demo as catalog_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    catalog_demo.load()
    accounts_demo.load()


def make_pdf(directory, name: str) -> str:
    """A small real PDF (reportlab) on disk, for the file input."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, f"govhall browser test material: {name}")
    page.save()
    path = directory / f"{name}.pdf"
    path.write_bytes(buffer.getvalue())
    return str(path)


def log_in(page, base: str, username: str, next_url: str = "/") -> None:
    from django.conf import settings

    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.GOVHALL_DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("domcontentloaded")


def person(browser, base: str, username: str, next_url: str):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, base, username, next_url)
    return page


def state_of(page) -> str:
    return page.locator("#case-state").inner_text().strip()


def open_action(page, label: str):
    """The <details> form of a staff action, opened."""
    details = page.locator("details.action", has=page.locator("summary", has_text=label)).first
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details


def upload(page, row, path: str) -> None:
    row.locator("input[type=file]").set_input_files(path)
    with page.expect_navigation():
        row.locator("form.upload button").click()


def test_food_licence_from_application_to_verified_licence(page, browser, live_server, demo_data, tmp_path):
    from django.conf import settings

    base = live_server.url
    pdf = make_pdf(tmp_path, "material")

    # ---- citizen: from the guide to the online application (login on the way)
    page.goto(f"{base}/items/{FOOD}/")
    page.locator("#apply-online").click()
    page.fill("#id_username", "citizen")
    page.fill("#id_password", settings.GOVHALL_DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("h1:has-text('在线申请：食品经营许可')")
    page.get_by_label("否，一般程序").check()
    page.wait_for_load_state("networkidle")
    page.fill("#id_description", "申请食品经营许可（小型餐饮）")
    page.get_by_label("经营者名称").fill("张明小吃店")
    page.get_by_label("经营场所").fill("西安市莲湖区北院门100号")
    page.get_by_label("主体业态").select_option("餐饮服务经营者")
    screenshot(page, "case-01-apply")
    page.get_by_role("button", name="保存，下一步上传材料").click()
    page.wait_for_selector("#case-state")
    assert state_of(page) == "草稿"
    case_url = page.url.split("#")[0]
    number = case_url.rstrip("/").rsplit("/", 1)[-1]

    # upload every material except the deferrable ones
    rows = page.locator("li.material")
    ids = [rows.nth(i).get_attribute("data-requirement") for i in range(rows.count())]
    deferrable_names = []
    for rid in ids:
        row = page.locator(f"li.material[data-requirement='{rid}']")
        if row.locator(".badge", has_text="可容缺").count():
            deferrable_names.append(row.locator(".material-name").inner_text())
            continue
        if row.locator("form.upload").count() == 0 or row.locator(".badge", has_text="非必要").count():
            continue
        upload(page, row, pdf)
        assert "已提交" in page.locator(f"li.material[data-requirement='{rid}']").inner_text()
    assert deferrable_names, "食品经营许可 should have deferrable materials"
    screenshot(page, "case-02-draft-uploaded")
    page.locator("#submit-case").click()
    page.wait_for_selector("#case-state")
    assert state_of(page) == "待预审"

    # ---- clerk: a correction request from the workbench
    clerk = person(browser, base, "clerk", "/workbench/")
    clerk.wait_for_selector("h1:has-text('工作台')")
    screenshot(clerk, "case-03-workbench")
    clerk.locator(f"a.number:has-text('{number}')").click()
    clerk.wait_for_selector("#staff-actions")
    details = open_action(clerk, "一次性告知补正")
    details.locator("select[name=item_requirement]").first.select_option(label="食品经营许可申请书")
    details.locator("input[name=item_problem]").first.fill("申请书第2页未签字")
    details.get_by_role("button", name="发出补正告知").click()
    clerk.wait_for_selector("#case-state")
    assert state_of(clerk) == "待补正"

    # ---- citizen: fixes it and resubmits
    page.goto(case_url)
    assert "申请书第2页未签字" in page.locator("#correction").inner_text()
    fix = page.locator("li.material.needs-fix").first
    assert "食品经营许可申请书" in fix.inner_text()
    screenshot(page, "case-04-correction")
    upload(page, fix, make_pdf(tmp_path, "signed-application"))
    page.get_by_role("button", name="补正后重新提交").click()
    page.wait_for_selector("#case-state")
    assert state_of(page) == "待预审"

    # ---- clerk: accepts with the deferrable materials deferred
    clerk.goto(case_url)
    details = open_action(clerk, "容缺受理")
    boxes = details.locator("input[name=deferred]")
    assert boxes.count() == len(deferrable_names)
    details.locator("input[name=signed_by]").fill("张明")
    screenshot(clerk, "case-05-deferral-form")
    details.get_by_role("button", name="容缺受理").click()
    clerk.wait_for_selector("#case-state")
    assert state_of(clerk) == "已受理（审查中）"
    assert "容缺受理补正材料通知书" in clerk.locator("#results").inner_text()

    # ---- approver: approves
    approver = person(browser, base, "approver", case_url)
    approver.wait_for_selector("#staff-actions")
    details = open_action(approver, "准予许可")
    details.get_by_role("button", name="准予许可").click()
    approver.wait_for_selector("#case-state")
    assert state_of(approver) == "准予许可（待出件）"

    # ---- citizen: supplies the deferred materials
    page.goto(case_url)
    assert "待补齐" in page.locator("#deferrals").inner_text()
    for name in deferrable_names:
        row = page.locator("li.material", has=page.locator(".material-name", has_text=name))
        upload(page, row, make_pdf(tmp_path, f"deferred-{len(name)}"))
    assert "已提交，待核验" in page.locator("#deferrals").inner_text()
    screenshot(page, "case-06-deferred-supplied")

    # ---- reviewer: confirms them
    reviewer = person(browser, base, "reviewer", case_url)
    reviewer.wait_for_selector("#staff-actions")
    details = open_action(reviewer, "核验容缺材料")
    details.get_by_role("button", name="核验通过").click()
    reviewer.wait_for_selector("#case-state")
    assert "已核验" in reviewer.locator("#deferrals").inner_text()

    # ---- clerk: issues the licence
    clerk.goto(case_url)
    details = open_action(clerk, "办结出件")
    details.get_by_role("button", name="办结出件").click()
    clerk.wait_for_selector("#case-state")
    assert state_of(clerk) == "已办结（待送达）"

    # ---- citizen: downloads the licence and verifies it
    page.goto(case_url)
    page.wait_for_selector("#licence")
    screenshot(page, "case-07-issued")
    with page.expect_download() as download:
        page.locator("#licence-download").click()
    with open(download.value.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    href = page.locator("#licence-verify").get_attribute("href")
    assert re.search(r"/licences/[^/]+/verify\?h=[0-9a-f]{64}$", href), href
    page.locator("#licence-verify").click()
    page.wait_for_selector("#verdict")
    assert "有效" in page.locator("#verdict").inner_text()
    screenshot(page, "case-08-verified")

    for other in (clerk, approver, reviewer):
        other.context.close()
