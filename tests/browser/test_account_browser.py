"""A citizen opens an account on a phone, forgets the password, resets it with the SMS
code and signs in again (real Chromium)."""

import re

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "13912340000"


@pytest.fixture
def site(transactional_db, settings):
    from conftest import _load_demo

    from govhall.notify.tests.factories import RECORDING, RecordingBackend

    _load_demo()
    # The SMS goes through a recording gateway: the stored row keeps the code only masked.
    settings.GOVHALL_SMS_BACKEND = RECORDING
    RecordingBackend.sent = []


def sms_code(event: str) -> str:
    """The code from the last SMS the gateway got for PHONE (its row holds it masked)."""
    from govhall.notify.models import Notification
    from govhall.notify.tests.factories import RecordingBackend

    row = Notification.objects.filter(phone=PHONE, event=event).latest("id")
    assert "******" in row.text and not row.secret, row.text  # delivered, and the code gone
    phone, text = RecordingBackend.sent[-1]
    assert phone == PHONE
    return re.search(r"验证码为(\d{6})", text).group(1)


def finish(page, event: str, password: str, *, button: str) -> None:
    """The second step: the code from the SMS, the password twice, the button."""
    page.fill("#id_code", sms_code(event))
    page.fill("#id_password1", password)
    page.fill("#id_password2", password)
    page.get_by_role("button", name=button).click()


def test_register_reset_the_password_and_sign_in(page, live_server, site):
    from govhall.accounts.validators import id_number_check_char

    body = "61010320010815456"
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="个人实名注册").click()
    page.fill("#id_name", "赵敏")
    page.fill("#id_id_number", body + id_number_check_char(body))
    page.fill("#id_phone", PHONE)
    page.get_by_role("button", name="获取验证码").click()
    assert "验证码已发送至 139****0000" in page.locator("[role=status]").inner_text()
    assert page.locator("#id_name").input_value() == "赵敏"  # the form keeps what was typed
    finish(page, "account.code.register", "Zhaomin-Lianhu-1990", button="注册")
    page.wait_for_url("**/cases/mine/")
    assert "注册成功" in page.content()
    screenshot(page, "account-registered")

    page.get_by_role("button", name="退出").click()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("link", name="忘记密码").click()
    page.fill("#id_phone", PHONE)
    page.get_by_role("button", name="获取验证码").click()
    finish(page, "account.code.reset", "Zhaomin-Xidajie-2026", button="重设密码")
    page.wait_for_url("**/accounts/login/")
    assert "密码已重设" in page.content()

    page.fill("#id_username", PHONE)
    page.fill("#id_password", "Zhaomin-Xidajie-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/cases/mine/")
    assert "我的办件" in page.content() and "赵敏" in page.content()
    screenshot(page, "account-signed-in-again")
