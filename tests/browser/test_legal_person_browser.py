"""A company gets online without visiting a window (real Chromium on a phone-sized screen):
its legal representative, a real-name registered citizen, registers it (法人注册) from
我的信息, authorises another registered citizen as its operator (法人授权经办人), and that
citizen then sees the company among those they may file for."""

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMPANY = "西安莲湖丝路文创有限公司"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(transactional_db):
    from conftest import _load_demo

    _load_demo()


def credit_code() -> str:
    from govhall.accounts.validators import uscc_check_char

    body = "91610104MA6TM3579"
    return body + uscc_check_char(body)


def signed_in(browser, base: str, username: str):
    from django.conf import settings

    page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base}/accounts/login/?next=/accounts/me/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.GOVHALL_DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/accounts/me/")
    return page


def test_a_legal_representative_registers_the_company_and_authorises_an_operator(browser, live_server, site):
    uscc = credit_code()
    representative = signed_in(browser, live_server.url, "citizen")
    representative.get_by_role("link", name="法人注册").click()
    representative.wait_for_url("**/accounts/legal/register/")
    # a wrong check digit is caught before anything is registered, and the form keeps the name
    representative.fill("#id_name", COMPANY)
    representative.fill("#id_uscc", uscc[:-1] + ("0" if uscc[-1] != "0" else "1"))
    representative.get_by_role("button", name="注册法人").click()
    assert "校验位" in representative.locator(".errorlist").inner_text()
    assert representative.locator("#id_name").input_value() == COMPANY
    representative.fill("#id_uscc", uscc.lower())
    screenshot(representative, "legal-person-register")
    representative.get_by_role("button", name="注册法人").click()
    representative.wait_for_url("**/accounts/legal/operators/")
    assert "法人注册成功" in representative.content()
    card = representative.locator(".card", has_text=uscc)
    assert COMPANY in card.inner_text() and "张明" in card.inner_text()

    card.get_by_label("经办人手机号").fill("13700137000")
    card.get_by_label("经办人姓名").fill("李娜")
    card.get_by_role("button", name="授权为经办人").click()
    representative.wait_for_load_state("domcontentloaded")
    assert "已授权 李娜" in representative.content()
    operators = representative.locator(".card", has_text=uscc).locator("ul.operators").inner_text()
    assert "李娜（137****7000）" in operators and "13700137000" not in representative.content()
    screenshot(representative, "legal-person-operators")

    operator = signed_in(browser, live_server.url, "citizen2")
    companies = operator.locator(".card", has_text="可代为办理的企业").inner_text()
    assert COMPANY in companies and uscc in companies
    assert operator.get_by_role("link", name="经办人管理").count() == 0  # an operator, not its representative
    # and may file for it: 公章刻制备案 is an item for legal persons
    operator.goto(f"{live_server.url}/cases/apply/000510001000-610104000000-000-11610104LH0000005W-1-00/")
    assert COMPANY in operator.locator("#apply-form section.card").first.inner_text()
    screenshot(operator, "legal-person-operator-applies")
