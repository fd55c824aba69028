"""The window evaluator screen (评价器): paired by an unguessable, revocable secret; the clerk
puts the case they serve on it; the applicant evaluates there (channel PJQ)."""

from __future__ import annotations

import hashlib

import pytest

from govhall.core.errors import Conflict, Forbidden, NotFound
from govhall.evaluations import services
from govhall.evaluations.models import Channel, Evaluation, EvaluatorDevice
from govhall.evaluations.tests import helpers as h
from govhall.evaluations.views import SCREEN_COOKIE

pytestmark = pytest.mark.django_db


def test_pairing_secrets_are_long_random_and_stored_only_hashed(demo):
    device, secret = h.paired_window()
    assert len(secret) >= 43  # 32 random bytes, urlsafe base64
    assert device.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(EvaluatorDevice.objects.filter(pk=device.pk).values().get())
    _, other = h.paired_window("2")
    assert other != secret
    assert services.device_for_secret(secret) == device
    # near misses, other encodings, empty and absurd values pair nothing
    for guess in (secret[:-1], secret + "A", secret.upper(), device.secret_hash, "", None, "x" * 5000, str(device.pk)):
        assert services.device_for_secret(guess) is None


def test_only_the_halls_manager_pairs_and_revokes(demo):
    from govhall.accounts.models import Window

    window = Window.objects.get(hall__name="莲湖区政务服务中心", code="3")
    for username in ("clerk", "reviewer", "supervisor", "citizen"):
        with pytest.raises(Forbidden):
            services.device_pair(actor=h.user(username), window=window)
    device, secret = services.device_pair(actor=h.user("manager"), window=window)
    with pytest.raises(Forbidden):
        services.device_revoke(actor=h.user("clerk"), device=device)
    services.device_revoke(actor=h.user("manager"), device=device)
    assert services.device_for_secret(secret) is None


def test_re_pairing_a_window_revokes_its_earlier_screen(demo):
    first, old = h.paired_window()
    second, new = h.paired_window()
    assert services.device_for_secret(old) is None and services.device_for_secret(new) == second
    first.refresh_from_db()
    assert first.revoked_at is not None


def test_the_clerk_puts_the_case_on_the_screen_and_the_applicant_evaluates(demo):
    device, _ = h.paired_window()
    case = h.accepted()  # at the window the service just received is evaluated: here the intake
    services.screen_request(actor=h.user("clerk"), case=case)
    device.refresh_from_db()
    assert services.screen_case(device) == case
    evaluation = services.screen_submit(
        device=device, case_id=case.pk, level=2, indicators=h.WINDOW, comment="等候时间太长"
    )
    assert (evaluation.channel, evaluation.indicator_set, evaluation.evaluator) == (Channel.PJQ, "window", None)
    assert evaluation.window_id == device.window_id and evaluation.staff.username == "clerk"
    assert evaluation.callback_task.state == "pending_callback"
    device.refresh_from_db()
    assert device.case is None and services.screen_case(device) is None
    with pytest.raises(Conflict):  # the screen moved on: a second submission is refused
        services.screen_submit(device=device, case_id=case.pk, level=5, indicators=h.WINDOW)
    assert Evaluation.objects.filter(case=case).count() == 1


def test_a_stale_form_for_another_case_is_refused(demo):
    device, _ = h.paired_window()
    first, second = h.accepted(), h.accepted()
    services.screen_request(actor=h.user("clerk"), case=first)
    services.screen_request(actor=h.user("clerk"), case=second)
    device.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        services.screen_submit(device=device, case_id=first.pk, level=5, indicators=h.WINDOW)
    assert refused.value.code == "no_case_on_screen"


def test_the_request_expires(demo, settings):
    device, _ = h.paired_window()
    case = h.accepted()
    services.screen_request(actor=h.user("clerk"), case=case)
    settings.GOVHALL_EVALUATION_SCREEN_MINUTES = 0
    device.refresh_from_db()
    assert services.screen_case(device) is None


def test_who_may_put_a_case_on_the_screen(demo):
    case = h.accepted()
    with pytest.raises(Conflict) as refused:  # no screen at the clerk's window yet
        services.screen_request(actor=h.user("clerk"), case=case)
    assert refused.value.code == "no_evaluator"
    h.paired_window()
    with pytest.raises(Forbidden):  # the reviewer sees the case but serves no window
        services.screen_request(actor=h.user("reviewer"), case=case)
    with pytest.raises(NotFound):
        services.screen_request(actor=h.user("citizen2"), case=case)
    h.evaluate(h.issued(), 5)
    evaluated = Evaluation.objects.get().case
    with pytest.raises(Conflict) as refused:
        services.screen_request(actor=h.user("clerk"), case=evaluated)
    assert refused.value.code == "already_evaluated"


def test_a_revoked_screen_shows_nothing_and_takes_nothing(demo, client):
    device, secret = h.paired_window()
    case = h.accepted()
    services.screen_request(actor=h.user("clerk"), case=case)
    client.cookies[SCREEN_COOKIE] = secret
    page = client.get("/evaluations/screen/")
    assert page.status_code == 200 and "请您对本次服务作出评价" in page.content.decode()
    services.device_revoke(actor=h.user("manager"), device=device)
    assert client.get("/evaluations/screen/").url == "/evaluations/screen/pair/"
    response = client.post("/evaluations/screen/", {"case": case.pk, "level": 5})
    assert response.status_code == 302 and not Evaluation.objects.exists()


def test_the_screen_page_pairs_waits_and_takes_the_evaluation(demo, client):
    _, secret = h.paired_window()
    assert client.get("/evaluations/screen/").url == "/evaluations/screen/pair/"
    bad = client.post("/evaluations/screen/pair/", {"code": secret[:-2]})
    assert bad.status_code == 403 and SCREEN_COOKIE not in bad.cookies
    paired = client.post("/evaluations/screen/pair/", {"code": secret})
    assert paired.url == "/evaluations/screen/" and paired.cookies[SCREEN_COOKIE]["httponly"]
    idle = client.get("/evaluations/screen/")
    assert "欢迎您对我们的服务作出评价" in idle.content.decode() and idle["Refresh"] == "5"
    case = h.accepted()
    services.screen_request(actor=h.user("clerk"), case=case)
    shown = client.get("/evaluations/screen/").content.decode()
    assert case.number not in shown and case.number[-4:] in shown  # masked
    assert case.applicant.name not in shown  # 张明 -> 张*
    form = {"case": case.pk, "level": 1, "comment": "态度不好"} | {f"i_{k}": 1 for k in h.WINDOW}
    done = client.post("/evaluations/screen/", form)
    assert "感谢您的评价" in done.content.decode()
    assert Evaluation.objects.get(case=case).channel == "PJQ"
    missing = client.post("/evaluations/screen/", form)
    assert missing.status_code == 409
