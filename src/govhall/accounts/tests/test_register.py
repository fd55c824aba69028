"""实名注册 online: a natural person, a resident ID with its check digit, and a mobile number
proved by a one-time SMS code."""

import pytest
from django.core.cache import cache

from govhall.accounts import services
from govhall.accounts.models import Applicant, User
from govhall.accounts.services import codes
from govhall.accounts.validators import id_number_check_char
from govhall.core.tests.limits_clock import Clock
from govhall.notify.models import Notification

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture(name="clock")
def _clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


PASSWORD = "Lianhu-Xidajie-88"


def id_number(sequence: int = 1) -> str:
    body = f"61010419850612{sequence:03d}"
    return body + id_number_check_char(body)


def send_code(phone: str = PHONE, address: str = "10.0.0.1") -> str:
    return services.phone_code_send(phone=phone, purpose="register", address=address)


def register(code: str, **overrides):
    fields = {"name": "王小红", "id_number": id_number(), "phone": PHONE, "code": code, "password": PASSWORD}
    return services.applicant_self_register(**{**fields, **overrides})


def test_a_person_registers_and_can_log_in(client, demo):
    code = send_code()
    sms = Notification.objects.get(phone=PHONE, channel="sms")
    # Until the SMS is delivered (after commit) the code is in its own column, never the text.
    assert code not in sms.text and sms.secret == code and sms.event == "account.code.register"
    user = register(code)
    applicant = Applicant.objects.get(user=user)
    assert (applicant.kind, applicant.name, applicant.id_number, applicant.phone) == (
        "natural",
        "王小红",
        id_number(),
        PHONE,
    )
    assert user.username == PHONE and user.check_password(PASSWORD)
    assert client.login(username=PHONE, password=PASSWORD)
    # The code is used up.
    with pytest.raises(services.DomainError, match="验证码已失效"):
        services.phone_code_check(phone=PHONE, purpose="register", code=code)


def test_codes_are_kept_as_keyed_digests_only(demo):
    code = send_code()
    stored = [cache.get(codes._store_key(PHONE, "register"))]
    assert code not in repr(stored) and len(stored[0]["digest"]) == 64


def test_wrong_codes_are_counted_and_void_the_code(demo):
    code = send_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(services.CODE_TRIES - 1):
        with pytest.raises(services.DomainError, match="验证码不正确"):
            register(wrong)
    with pytest.raises(services.DomainError, match="错误次数过多"):
        register(wrong)
    with pytest.raises(services.DomainError, match="验证码已失效"):
        register(code)  # the right one is void now too
    assert not User.objects.filter(username=PHONE).exists()


def test_sending_is_limited_per_number_and_per_address(demo, clock):
    send_code()
    with pytest.raises(services.DomainError, match="1分钟后"):
        send_code()
    clock.advance(61)  # the minute between codes to one number
    for i in range(services.CODES_PER_ADDRESS_HOUR):
        send_code(phone=f"1390000{i:04d}", address="10.9.9.9")
    with pytest.raises(services.DomainError, match="1小时后"):
        send_code(phone="13700000000", address="10.9.9.9")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": id_number()[:-1] + ("0" if id_number()[-1] != "0" else "1")}, "校验位"),
        ({"name": ""}, "姓名"),
        ({"password": "12345678"}, "密码只包含数字"),
        ({"password": "short"}, "密码太短"),
    ],
)
def test_bad_registrations_say_why(demo, overrides, message):
    with pytest.raises(services.DomainError, match=message):
        register(send_code(), **overrides)


def test_one_account_per_person_and_per_number(demo, clock):
    register(send_code())
    clock.advance(61)  # the minute between codes to one number
    with pytest.raises(services.DomainError, match="该手机号已注册"):
        register(send_code())
    clock.advance(61)  # the minute between codes to one number
    with pytest.raises(services.DomainError, match="该身份证号已注册账户"):
        register(send_code(phone="13700001111"), phone="13700001111")


def test_a_person_registered_at_a_window_gets_their_record_linked(demo, clock):
    walk_in = Applicant.objects.create(kind="natural", name="王小红", id_number=id_number(2), phone=PHONE)
    user = register(send_code(), id_number=id_number(2))
    walk_in.refresh_from_db()
    assert walk_in.user == user
    # With another number than the window recorded, the person is sent to a window.
    Applicant.objects.create(kind="natural", name="李四", id_number=id_number(3), phone="13800000003")
    clock.advance(61)  # the minute between codes to one number
    with pytest.raises(services.DomainError, match="到窗口核实"):
        register(send_code(phone="13700002222"), name="李四", id_number=id_number(3), phone="13700002222")


def test_the_register_page(client, demo, settings):
    settings.DEBUG = True  # the page shows the code where no SMS gateway is set up
    step = {"action": "code", "phone": PHONE, "name": "王小红", "id_number": id_number()}
    # a mistyped resident ID is caught before a code is sent: no SMS, no wait
    sent = Notification.objects.count()
    wrong_digit = id_number()[:-1] + ("0" if id_number()[-1] != "0" else "1")
    typo = client.post("/accounts/register/", {**step, "id_number": wrong_digit})
    assert typo.status_code == 400 and "身份证" in typo.context["error"]
    assert typo.context["values"]["phone"] == PHONE and Notification.objects.count() == sent
    page = client.post("/accounts/register/", step)
    assert page.status_code == 200 and "验证码已发送至 139****5678" in page.content.decode()
    code = page.context["dev_code"]
    assert page.context["values"]["name"] == "王小红"  # kept for the second step
    form = {
        "action": "register",
        "name": "王小红",
        "id_number": id_number(),
        "phone": PHONE,
        "code": code,
        "password1": PASSWORD,
        "password2": PASSWORD + "x",
    }
    mismatch = client.post("/accounts/register/", form)
    assert mismatch.status_code == 400 and "两次输入的密码不一致" in mismatch.content.decode()
    done = client.post("/accounts/register/", {**form, "password2": PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/cases/mine/"
    assert client.get("/cases/mine/").status_code == 200


def test_the_page_never_shows_the_code_in_production(client, demo, settings):
    settings.DEBUG = False
    page = client.post(
        "/accounts/register/", {"action": "code", "phone": PHONE, "name": "王小红", "id_number": id_number()}
    )
    assert "验证码已发送" in page.content.decode()
    assert page.context["dev_code"] == "" and 'id="dev-code"' not in page.content.decode()


# --------------------------------------------------------------------------- 找回密码


def test_a_forgotten_password_is_reset_with_a_code(client, demo, bearer):
    citizen = User.objects.get(username="citizen")
    old_token = bearer("citizen")
    for _ in range(services.LOGIN_FAILURES_PER_USER):  # the owner had locked themselves out
        services.login_failed(username="citizen", address="10.0.0.1")
    code = services.password_reset_code_send(phone=citizen.phone, address="10.0.0.1")
    assert Notification.objects.filter(phone=citizen.phone, event="account.code.reset").exists()
    with pytest.raises(services.DomainError, match="密码只包含数字"):  # checked before the code is used
        services.password_reset(phone=citizen.phone, code=code, new_password="20261125")
    services.password_reset(phone=citizen.phone, code=code, new_password=PASSWORD)
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)
    assert client.login(username="citizen", password=PASSWORD)  # the lock is lifted too
    assert client.__class__().get("/api/v1/cases", headers=old_token).status_code == 401


def test_a_reset_for_a_number_without_an_account_sends_nothing_and_says_the_same(client, demo, settings):
    settings.DEBUG = False
    stranger = client.post("/accounts/password/reset/", {"action": "code", "phone": "13600000000"})
    known = client.post("/accounts/password/reset/", {"action": "code", "phone": "13800138000"})
    assert stranger.status_code == known.status_code == 200
    assert "验证码已发送至" in stranger.content.decode() and "验证码已发送至" in known.content.decode()
    assert not Notification.objects.filter(phone="13600000000").exists()
    assert Notification.objects.filter(phone="13800138000", event="account.code.reset").exists()


def test_the_reset_page(client, demo, settings):
    settings.DEBUG = True
    page = client.post("/accounts/password/reset/", {"action": "code", "phone": "13800138000"})
    assert page.context["dev_code"] == ""  # not even in development: it would open any account
    sms = Notification.objects.filter(phone="13800138000", event="account.code.reset").latest("id")
    assert "验证码为******" in sms.text  # the code waits for delivery in its own column
    form = {"action": "reset", "phone": "13800138000", "code": sms.secret}
    done = client.post("/accounts/password/reset/", {**form, "password1": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    assert User.objects.get(username="citizen").check_password(PASSWORD)
    again = client.post("/accounts/password/reset/", {**form, "password1": PASSWORD, "password2": PASSWORD})
    assert again.status_code == 400 and "验证码已失效" in again.content.decode()  # one use only
