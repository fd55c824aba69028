"""长辈模式 (elder mode): a cookie set by a plain POST, read on the server, so the page
arrives in its mode without JavaScript; the switch goes back only to a page of this site.
And the idle warning's settings and keep-alive (static/govhall/idle.js)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import login
from django.test import Client
from django.utils import timezone

from govhall.core.context_processors import MODE_COOKIE

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client(demo):
    return Client(enforce_csrf_checks=True)


def switch(client, mode: str, next_url: str | None = None, **extra):
    data = {"mode": mode}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/mode/", data, **extra)


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


def pressed(response) -> dict[str, str]:
    """The mode buttons' labels and aria-pressed, as rendered."""
    page = response.content.decode()
    form = re.search(r'<form[^>]*class="mode-switch".*?</form>', page, re.S).group(0)
    buttons = re.findall(r'<button name="mode" value="\w+" aria-pressed="(true|false)">([^<]+)</button>', form)
    return {label: state for state, label in buttons}


def test_standard_by_default(client, demo):
    response = client.get("/")
    assert 'class="elder"' not in html_tag(response)
    assert pressed(response) == {"标准模式": "true", "长辈模式": "false"}
    assert MODE_COOKIE not in response.cookies


def test_elder_on_sets_a_year_long_lax_cookie_and_goes_back(client, demo):
    response = switch(client, "elder", "/items/?q=%E8%90%A5%E4%B8%9A")
    assert response.status_code == 302
    assert response["Location"] == "/items/?q=%E8%90%A5%E4%B8%9A"
    cookie = response.cookies[MODE_COOKIE]
    assert cookie.value == "elder"
    assert cookie["max-age"] == 365 * 24 * 3600
    assert cookie["samesite"] == "Lax"
    assert cookie["path"] == "/"

    page = client.get("/")  # the test client keeps the cookie, as a browser does
    assert html_tag(page) == '<html lang="zh-CN" class="elder">'
    assert pressed(page) == {"标准模式": "false", "长辈模式": "true"}


def test_a_link_shows_elder_mode_and_offers_to_keep_it(client, demo):
    """A poster's QR code can open 长辈模式 (``?mode=elder``); only the visitor's own POST
    keeps it, and the switches return to the page without the parameter."""
    response = client.get("/items/?applicant_type=natural&mode=elder")
    assert html_tag(response) == '<html lang="zh-CN" class="elder">'
    assert MODE_COOKIE not in response.cookies  # a GET changes nothing for the next page
    page = response.content.decode()
    offer = re.search(r'<form[^>]*class="mode-offer[^"]*".*?</form>', page, re.S).group(0)
    assert "一直使用长辈模式" in offer
    nexts = re.findall(r'name="next" value="([^"]*)"', page)
    assert nexts == ["/items/?applicant_type=natural"] * 2  # the mode switch and the offer
    kept = switch(client, "elder", nexts[1])
    assert kept["Location"] == "/items/?applicant_type=natural" and kept.cookies[MODE_COOKIE].value == "elder"
    again = client.get("/items/?mode=elder")
    assert 'class="mode-offer' not in again.content.decode()  # kept already: nothing to offer
    # other values change nothing; an error page neither offers nor repeats its address
    fresh = Client()
    assert 'class="elder"' not in html_tag(fresh.get("/?mode=large"))
    missing = fresh.get("/items/61010420261125000001/?mode=elder")
    assert missing.status_code == 404 and 'class="mode-offer' not in missing.content.decode()
    assert "61010420261125000001" not in missing.content.decode()


def test_standard_clears_the_cookie(client, demo):
    switch(client, "elder", "/")
    response = switch(client, "standard", "/departments/")
    assert response["Location"] == "/departments/"
    assert response.cookies[MODE_COOKIE].value == ""
    assert response.cookies[MODE_COOKIE]["max-age"] == 0
    page = client.get("/departments/")
    assert 'class="elder"' not in html_tag(page)
    assert pressed(page) == {"标准模式": "true", "长辈模式": "false"}


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example.com/",
        "//evil.example.com/x",
        "http://evil.example.com",
        "/\\evil.example.com",
        "javascript:alert(1)",
        "https://testserver.evil.example.com/",
        "",
    ],
)
def test_never_an_open_redirect(client, demo, next_url):
    response = switch(client, "elder", next_url, HTTP_REFERER=next_url or "https://evil.example.com/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[MODE_COOKIE].value == "elder"


def test_referer_of_this_site_when_no_next(client, demo):
    response = switch(client, "elder", HTTP_REFERER="http://testserver/progress/?number=1")
    assert response["Location"] == "http://testserver/progress/?number=1"


def test_only_a_post_with_a_known_mode(client, demo):
    assert client.get("/mode/", {"mode": "elder"}).status_code == 405
    response = switch(client, "huge", "/")
    assert response.status_code == 400
    assert MODE_COOKIE not in response.cookies


def test_the_switch_needs_the_csrf_token(csrf_client):
    """Another site cannot switch a visitor's mode; the page's own form can."""
    assert switch(csrf_client, "elder", "/").status_code == 403
    page = csrf_client.get("/items/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = csrf_client.post("/mode/", {"mode": "elder", "next": "/items/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response.cookies[MODE_COOKIE].value == "elder"


def test_the_form_returns_to_the_page_it_is_on(client, demo):
    page = client.get("/items/?applicant_type=natural").content.decode()
    form = re.search(r'<form[^>]*class="mode-switch".*?</form>', page, re.S).group(0)
    assert 'action="/mode/"' in form and 'method="post"' in form
    assert '<input type="hidden" name="next" value="/items/?applicant_type=natural">' in form


def test_signed_in_and_mode_are_independent(client, demo):
    """The mode is a cookie of its own: it survives signing in and out."""
    switch(client, "elder", "/")
    login(client, "citizen")
    page = client.get("/cases/mine/")
    assert page.status_code == 200
    assert 'class="elder"' in html_tag(page)
    assert pressed(page) == {"标准模式": "false", "长辈模式": "true"}
    client.post("/accounts/logout/")
    assert 'class="elder"' in html_tag(client.get("/accounts/login/"))


def test_idle_warning_only_for_signed_in_pages(client, demo, settings):
    settings.SESSION_COOKIE_AGE = 30 * 60
    page = client.get("/").content.decode()
    assert "idle-warning" not in page and "idle.js" not in page
    login(client, "citizen")
    page = client.get("/cases/mine/").content.decode()
    box = re.search(r'<div id="idle-warning"[^>]*>', page, re.S).group(0)
    assert 'role="alert"' in box
    assert 'data-idle-seconds="1800"' in box
    assert 'data-ping="/api/v1/auth/me"' in box
    assert 'data-login="/accounts/login/"' in box
    assert "govhall/idle.js" in page


def test_the_keep_alive_ping_renews_the_session_and_says_when_it_has_ended(client, demo, settings):
    """继续使用 asks GET /api/v1/auth/me: it counts as activity (the middleware saves the
    session with a new expiry), and answers 401 once the session is gone."""
    from django.contrib.sessions.models import Session

    login(client, "citizen")
    session = client.session
    session["_seen_minute"] = 0  # long ago: the next request saves the session again
    session.save()
    row = Session.objects.filter(session_key=session.session_key)
    row.update(expire_date=timezone.now() + timedelta(minutes=2))  # about to end

    response = client.get("/api/v1/auth/me")
    assert response.status_code == 200
    assert row.get().expire_date >= timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)

    row.update(expire_date=timezone.now() - timedelta(seconds=1))  # ended while the page was open
    assert client.get("/api/v1/auth/me").status_code == 401
