"""Staff two-factor sign-in: enrolment with a real authenticator code, verification, wrong,
replayed and recovery codes, the guessing limit, the administrator's reset, the token
endpoint, and what a staff session reaches before it has confirmed a code."""

from __future__ import annotations

import re
import time

import pytest
from conftest import login
from django.conf import settings as django_settings
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from govhall.accounts import twofactor
from govhall.accounts.models import User
from govhall.audit.models import Kind, SecurityEvent
from govhall.core.errors import DomainError

pytestmark = pytest.mark.django_db

PASSWORD = django_settings.GOVHALL_DEMO_PASSWORD


def code(device: TOTPDevice, steps_ahead: int = 0, *, at: float | None = None) -> str:
    """The code an authenticator holding ``device``'s secret shows now (or that many
    30-second steps later, or at the Unix time ``at``), computed as RFC 6238 says."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = (time.time() if at is None else at) + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def used_code(device: TOTPDevice) -> str:
    """The code of the last time step the device accepted."""
    device.refresh_from_db()
    return code(device, at=device.t0 + device.last_t * device.step)


def enrolled(username: str = "clerk") -> tuple[User, TOTPDevice, list[str]]:
    """A staff member with a confirmed authenticator (its code of this step is used)."""
    user = User.objects.get(username=username)
    device = twofactor.enrolment_device(user=user)
    device, codes = twofactor.enrol_confirm(user=user, code=code(device))
    return user, device, codes


def events(kind: Kind, user: User) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind, subject_user=user).order_by("seq"))


@pytest.fixture
def required(settings, demo):
    settings.GOVHALL_STAFF_2FA = True
    return settings


# --------------------------------------------------------------------------- the pages


def test_enrolment_shows_the_secret_confirms_with_a_real_code_and_shows_recovery_codes_once(client, required):
    login(client, "clerk")
    assert client.get("/workbench/")["Location"] == "/accounts/2fa/enrol/?next=%2Fworkbench%2F"
    page = client.get("/accounts/2fa/enrol/?next=/workbench/")
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    assert html.count("<h1>") == 1 and '<label for="id_code">' in html
    qr = html.split('<div class="qr" role="img"')[1].split("</div>")[0]
    assert "<svg" in qr and "<img" not in qr and "src=" not in qr  # drawn inline: no outside request
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', html).group(1)
    device = TOTPDevice.objects.get(user__username="clerk", confirmed=False)
    assert secret.replace(" ", "") == device.config_url.split("secret=")[1].split("&")[0]  # the QR's secret, typed
    assert secret in client.get("/accounts/2fa/enrol/").content.decode()  # a reload shows the same device
    assert TOTPDevice.objects.filter(user__username="clerk").count() == 1

    wrong = client.post("/accounts/2fa/enrol/", {"code": "000000" if code(device) != "000000" else "111111"})
    assert "验证码不正确" in wrong.content.decode() and 'aria-invalid="true"' in wrong.content.decode()

    done = client.post("/accounts/2fa/enrol/", {"code": code(device), "next": "/workbench/"})
    shown = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert done.status_code == 200 and len(shown) == 10 and len(set(shown)) == 10
    assert sorted(shown) == sorted(
        StaticToken.objects.filter(device__user__username="clerk").values_list("token", flat=True)
    )
    assert done["Cache-Control"].startswith("max-age=0")
    # the session is verified by the enrolment; the codes are not shown again
    assert client.get("/workbench/").status_code == 200
    assert not re.findall(r"<li><code>", client.get("/accounts/2fa/enrol/").content.decode())
    user = User.objects.get(username="clerk")
    assert [e.data for e in events(Kind.OTP_ENROLLED, user)] == [{"replaced": False}]
    assert [e.data["factor"] for e in events(Kind.OTP_FAILED, user)] == ["totp"]


def test_a_signed_in_staff_member_verifies_with_the_authenticator_and_goes_on(client, required):
    user, device, _ = enrolled()
    login(client, "clerk")
    assert (
        client.get("/workbench/?queue=mine")["Location"] == "/accounts/2fa/verify/?next=%2Fworkbench%2F%3Fqueue%3Dmine"
    )
    page = client.get("/accounts/2fa/verify/?next=/workbench/")
    assert page.status_code == 200 and page.content.decode().count("<h1>") == 1
    key_before = client.session.session_key
    done = client.post("/accounts/2fa/verify/", {"code": code(device, 1), "next": "/workbench/"})
    assert done.status_code == 302 and done["Location"] == "/workbench/"
    assert client.session.session_key != key_before  # a new session key once verified
    assert client.get("/workbench/").status_code == 200
    assert [e.data for e in events(Kind.OTP_VERIFIED, user)] == [{"channel": "web"}]
    # somewhere else, or nowhere: home
    assert client.get("/accounts/2fa/verify/?next=https://evil.example/")["Location"] == "/"


def test_a_wrong_code_and_a_replayed_code_are_refused(client, required):
    user, device, _ = enrolled()
    login(client, "clerk")
    used = used_code(device)  # the enrolment took it
    replay = client.post("/accounts/2fa/verify/", {"code": used})
    assert replay.status_code == 200 and "已使用过" in replay.content.decode()
    wrong = client.post("/accounts/2fa/verify/", {"code": "12345x"})
    assert "恢复码不正确" in wrong.content.decode()
    assert client.get("/workbench/").status_code == 302
    assert [e.data["factor"] for e in events(Kind.OTP_FAILED, user)] == ["totp", "recovery"]
    # the next step's code is fine, once
    nxt = code(device, 1)
    assert client.post("/accounts/2fa/verify/", {"code": nxt}).status_code == 302
    with pytest.raises(DomainError) as refused:
        twofactor.otp_verify(user=user, code=nxt)
    assert refused.value.code == "otp_invalid"


def test_a_recovery_code_works_once_and_the_page_offers_to_enrol_the_new_phone(client, required):
    user, _, codes = enrolled()
    login(client, "clerk")
    used = client.post("/accounts/2fa/verify/", {"code": codes[3].upper()[:4] + "-" + codes[3][4:]})
    html = used.content.decode()
    assert used.status_code == 200 and "还剩 <strong>9</strong> 个恢复码" in html
    assert 'href="/accounts/2fa/enrol/?next=/"' in html
    assert client.get("/workbench/").status_code == 200
    assert [e.data for e in events(Kind.OTP_RECOVERY, user)] == [{"channel": "web", "left": 9}]
    # a second session with the same code: refused; with another one: fine
    other = client_class_login("clerk")
    assert "恢复码不正确" in other.post("/accounts/2fa/verify/", {"code": codes[3]}).content.decode()
    assert other.post("/accounts/2fa/verify/", {"code": codes[4]}).status_code == 200
    assert twofactor.recovery_codes_left(user) == 8
    # the verified session may enrol a new phone: old authenticator and codes go, new codes come
    again = client.get("/accounts/2fa/enrol/")
    assert again.status_code == 200 and "原来的身份验证器和恢复码随即作废" in again.content.decode()
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    replaced = client.post("/accounts/2fa/enrol/", {"code": code(new)})
    assert len(re.findall(r"<li><code>", replaced.content.decode())) == 10
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [new.pk]
    assert not StaticToken.objects.filter(token__in=codes).exists()
    assert events(Kind.OTP_ENROLLED, user)[-1].data == {"replaced": True}


def client_class_login(username: str):
    from django.test import Client

    other = Client()
    login(other, username)
    return other


def test_a_password_alone_cannot_replace_an_enrolled_authenticator(client, required):
    enrolled()
    login(client, "clerk")
    assert client.get("/accounts/2fa/enrol/")["Location"].startswith("/accounts/2fa/verify/")
    assert client.post("/accounts/2fa/enrol/", {"code": "123456"})["Location"].startswith("/accounts/2fa/verify/")
    assert not TOTPDevice.objects.filter(user__username="clerk", confirmed=False).exists()


def test_wrong_codes_lock_after_five_and_a_right_code_is_then_refused_unchecked(client, required):
    user, device, codes = enrolled()
    for _ in range(twofactor.OTP_FAILURES_PER_WINDOW):
        with pytest.raises(DomainError) as wrong:
            twofactor.otp_verify(user=user, code="zzzzzzzz", address="10.0.0.9")
        assert wrong.value.code == "otp_invalid"
    with pytest.raises(DomainError) as locked:
        twofactor.otp_verify(user=user, code=codes[0], address="10.0.0.9")
    assert locked.value.code == "otp_locked" and locked.value.status == 429
    assert twofactor.recovery_codes_left(user) == 10  # not even looked at
    login(client, "clerk")
    assert "错误次数过多" in client.post("/accounts/2fa/verify/", {"code": code(device, 1)}).content.decode()
    [lock] = events(Kind.LOCKED, user)  # recorded once, when it began
    assert lock.data == {"what": "otp", "channel": "web", "day": False} and lock.address == "10.0.0.9"
    assert len(events(Kind.OTP_FAILED, user)) == 5


def test_an_administrator_resets_a_lost_second_factor_and_the_owner_enrols_again(client, demo, settings):
    from govhall.core import limits

    user, _, _ = enrolled()
    twofactor._count_attempt(user, "", "web")  # a count in progress goes with the reset
    admin = User.objects.get(username="admin")
    login(client, "admin")
    listing = client.get("/admin/accounts/user/")
    assert "重置所选账户的双因素认证" in listing.content.decode()
    client.post("/admin/accounts/user/", {"action": "reset_two_factor", "_selected_action": [user.pk]})
    assert not TOTPDevice.objects.filter(user=user).exists() and not StaticDevice.objects.filter(user=user).exists()
    [reset] = events(Kind.OTP_RESET, user)
    assert reset.actor_id == admin.pk and reset.data == {"had_device": True}
    assert limits.counts(*twofactor._keys(user)) == [0, 0]
    # django-otp's device pages, which would show the secrets, are not in the admin
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    # the owner's next sign-in enrols again
    settings.GOVHALL_STAFF_2FA = True
    owner = client_class_login("clerk")
    assert owner.get("/workbench/")["Location"].startswith("/accounts/2fa/enrol/")


# --------------------------------------------------------------------------- what a half sign-in reaches


def test_staff_without_a_verified_second_factor_reach_no_staff_page_nor_the_admin(client, required):
    pages = [
        ("clerk", "/workbench/"),
        ("clerk", "/workbench/intake/"),
        ("reviewer", "/workbench/"),
        ("manager", "/accounts/operators/"),
        ("admin", "/admin/"),
        ("admin", "/admin/accounts/user/"),
        ("supervisor", "/cases/mine/"),
        ("clerk", "/"),
    ]
    for username, page in pages:
        client.logout()
        login(client, username)
        answer = client.get(page)
        assert answer.status_code == 302 and answer["Location"].startswith("/accounts/2fa/enrol/"), (username, page)
        posted = client.post(page, {"x": "1"})
        assert posted.status_code == 302 and posted["Location"] == "/accounts/2fa/enrol/", (username, page)
    # htmx is sent where to go, not a whole page
    hx = client.get("/workbench/", headers={"HX-Request": "true"})
    assert hx.status_code == 204 and hx["HX-Redirect"].startswith("/accounts/2fa/enrol/")
    # the API takes the half-signed-in session for no sign-in at all
    assert client.get("/api/v1/auth/me").status_code == 401
    # signing out still works
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_an_is_staff_user_without_a_profile_is_staff_too(client, required):
    User.objects.create_user(username="operator-admin", password=PASSWORD, is_staff=True)
    login(client, "operator-admin")
    assert client.get("/admin/")["Location"].startswith("/accounts/2fa/enrol/")


def test_applicants_keep_their_sign_in(client, required):
    login(client, "citizen")
    assert client.get("/cases/mine/").status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.get("/accounts/2fa/verify/").status_code == 404
    assert client.get("/accounts/2fa/enrol/").status_code == 404
    assert not TOTPDevice.objects.filter(user__username="citizen").exists()


def test_with_the_setting_off_staff_sign_in_as_before_and_may_enrol_ahead(client, demo, settings):
    settings.GOVHALL_STAFF_2FA = False
    login(client, "clerk")
    assert client.get("/workbench/").status_code == 200
    assert client.get("/accounts/2fa/enrol/").status_code == 200


# --------------------------------------------------------------------------- the token endpoint


def token(client, username: str, **extra):
    return client.post(
        "/api/v1/auth/token", {"username": username, "password": PASSWORD, **extra}, content_type="application/json"
    )


def test_a_staff_token_needs_a_code(client, required):
    missing = token(client, "clerk")
    assert missing.status_code == 401
    assert missing.json()["code"] == "otp_required" and "动态验证码" in missing.json()["message"]
    not_enrolled = token(client, "clerk", otp="123456")
    assert not_enrolled.status_code == 403 and not_enrolled.json()["code"] == "otp_not_enrolled"
    user, device, codes = enrolled()
    wrong = token(client, "clerk", otp="000000" if code(device, 1) != "000000" else "111111")
    assert wrong.status_code == 401 and wrong.json()["code"] == "otp_invalid"
    fresh = code(device, 1)
    good = token(client, "clerk", otp=fresh)
    assert good.status_code == 200
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {good.json()['token']}"})
    assert me.status_code == 200 and me.json()["staff"]["role"] == "clerk"
    assert token(client, "clerk", otp=fresh).json()["code"] == "otp_invalid"  # replayed
    assert token(client, "clerk", otp=codes[0]).status_code == 200
    assert token(client, "clerk", otp=codes[0]).json()["code"] == "otp_invalid"  # used up
    sign_ins = [e for e in events(Kind.SIGN_IN, user) if e.data == {"channel": "api"}]
    assert len(sign_ins) == 2 and all(e.actor_id == user.pk for e in sign_ins)
    assert events(Kind.OTP_RECOVERY, user)[-1].data == {"channel": "api", "left": 9}


def test_applicants_get_tokens_without_a_code(client, required):
    assert token(client, "citizen").status_code == 200
    assert token(client, "citizen", otp="whatever").status_code == 200


def test_token_sign_ins_and_their_failures_are_recorded_with_the_address(client, demo):
    user = User.objects.get(username="citizen")
    assert token(client, "citizen").status_code == 200
    bad = client.post(
        "/api/v1/auth/token",
        {"username": "citizen", "password": "wrong-password"},
        content_type="application/json",
        REMOTE_ADDR="10.1.2.3",
    )
    assert bad.status_code == 401
    [failure] = events(Kind.SIGN_IN_FAILED, user)
    assert failure.address == "10.1.2.3" and failure.data == {"channel": "api"} and failure.actor_id is None


def test_the_token_schema_documents_the_code(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/auth/token"]["post"]
    assert {"401", "403", "429"} <= set(operation["responses"])
    assert "otp_required" in operation["description"] and "otp_not_enrolled" in operation["description"]
    body = schema["components"]["schemas"]["TokenIn"]
    assert "otp" in body["properties"] and "otp" not in body.get("required", [])


# --------------------------------------------------------------------------- deployment


def test_check_deploy_warns_while_the_setting_is_off(settings):
    from govhall.accounts.security import staff_second_factor_on

    settings.GOVHALL_STAFF_2FA = False
    assert [m.id for m in staff_second_factor_on(None)] == ["govhall.accounts.W001"]
    settings.GOVHALL_STAFF_2FA = True
    assert staff_second_factor_on(None) == []
    call_command("check")  # registered, and not an error
