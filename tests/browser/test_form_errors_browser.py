"""The pages a refused form comes back as, in real Chromium on a phone: what the crawl in
test_a11y_browser cannot reach, since it never submits a form.

Each form is sent with a mistake the server must catch (the browser's own checks are
switched off, as a script or an old browser would send it). The page that comes back
must say what is wrong in Chinese in an alert (``role="alert"``, read out at once), keep
what the user typed, and pass the same eight checks as every crawled page."""

from __future__ import annotations

import pytest

from tests.browser.a11y import check, format_violation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cases(transactional_db, settings, tmp_path):
    """The demo catalogue and accounts, a draft of the citizen's and two cases under way."""
    from conftest import _load_demo

    from govhall.cases.tests import factories as f

    settings.MEDIA_ROOT = tmp_path / "media"
    _load_demo()
    return {"draft": f.draft(), "submitted": f.submitted(), "accepted": f.accepted()}


@pytest.fixture
def phone(browser, live_server):
    from django.conf import settings

    settings.SITE_URL = live_server.url
    contexts = []

    def open_as(username: str | None):
        context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        if username:
            page.goto(live_server.url + "/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", settings.GOVHALL_DEMO_PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    yield open_as
    for context in contexts:
        context.close()


def send(page, button) -> None:
    """Submit the button's form as a client without the browser's own checks would."""
    page.evaluate("document.querySelectorAll('form').forEach((f) => { f.noValidate = true; })")
    with page.expect_navigation():
        button.click()


def assert_refused(page, message: str) -> None:
    alerts = page.locator("[role=alert]:visible")  # not the idle warning, hidden until due
    assert alerts.count() >= 1, "no alert on the refused page"
    text = " ".join(alerts.all_inner_texts())
    assert message in text, text
    violations = check(page)
    assert not violations, [format_violation(page.url, v) for v in violations]


def test_sign_in_registration_and_progress_query(phone, live_server, cases):
    from govhall.accounts.validators import id_number_check_char

    body = "61010419900101123"
    wrong_check = "0" if id_number_check_char(body) != "0" else "1"
    page = phone(None)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "citizen")
    page.fill("#id_password", "not-the-password")
    send(page, page.get_by_role("button", name="登录"))
    assert_refused(page, "用户名")
    assert page.input_value("#id_username") == "citizen"

    page.goto(live_server.url + "/accounts/register/")
    page.fill("#id_name", "王五")
    page.fill("#id_id_number", body + wrong_check)  # a wrong check digit
    page.fill("#id_phone", "13900001111")
    send(page, page.get_by_role("button", name="获取验证码"))
    assert_refused(page, "身份证")
    assert page.input_value("#id_name") == "王五" and page.input_value("#id_phone") == "13900001111"

    page.goto(live_server.url + "/progress/")
    page.fill("#id_number", cases["submitted"].number)
    page.fill("#id_phone_last4", "0000")
    send(page, page.get_by_role("button", name="查询"))
    assert_refused(page, "未查到办件")
    assert page.input_value("#id_number") == cases["submitted"].number


def test_application_and_upload(phone, live_server, cases, tmp_path):
    from govhall.cases.tests import factories as f

    page = phone("citizen")
    page.goto(f"{live_server.url}/cases/apply/{f.FOOD}/")
    page.fill("#id_description", "小型餐饮")
    send(page, page.get_by_role("button", name="保存，下一步上传材料"))
    assert_refused(page, "必填")
    assert page.input_value("#id_description") == "小型餐饮"

    # a text file posing as a PDF, on the draft's first material
    fake = tmp_path / "营业执照.pdf"
    fake.write_text("这不是PDF文件", encoding="utf-8")
    page.goto(f"{live_server.url}/cases/{cases['draft'].number}/")
    row = page.locator("li.material").first
    row.locator("input[type=file]").set_input_files(str(fake))
    send(page, row.get_by_role("button", name="上传"))
    assert_refused(page, "文件")


def test_staff_action_forms(phone, live_server, cases):
    clerk = phone("clerk")
    clerk.goto(f"{live_server.url}/cases/{cases['submitted'].number}/")
    clerk.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    reject = clerk.locator("#act-reject form")
    reject.locator("textarea[name=reason]").fill("不属于本部门职权范围")
    send(clerk, reject.get_by_role("button"))
    assert_refused(clerk, "法律依据")
    assert clerk.locator("#act-reject").get_attribute("open") is not None  # the refused form stays open
    assert clerk.locator("#act-reject textarea[name=reason]").input_value() == "不属于本部门职权范围"

    chief = phone("approver")
    chief.goto(f"{live_server.url}/cases/{cases['accepted'].number}/")
    chief.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    extend = chief.locator("#act-extend form")
    extend.locator("input[name=days]").fill("99")
    extend.locator("textarea[name=reason]").fill("需组织专家论证")
    send(chief, extend.get_by_role("button"))
    assert_refused(chief, "延长时限应为1至")
    assert chief.locator("#act-extend input[name=days]").input_value() == "99"
