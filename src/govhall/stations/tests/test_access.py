"""Who gets what on every stations page and API route.

One table lists every route of the app (``stations/``, ``assist/`` and ``/api/v1`` under
``stations``, ``assist`` and ``projects``), checked against the URL resolver and the OpenAPI
document so that a new route fails here until it is listed. For each: what an anonymous
visitor, an applicant who is not party (citizen2), an assistant of another station
(assistant4, 西大街) and a clerk of the hall (clerk) get, with well-formed bodies, so the
answer comes from the access check and not from validation; and what the party gets, so a
refusal cannot come from a broken URL.

The world is the stations demo (``stations.demo.load``): R, 张明's request at the 北院门
community station, in progress with assistant3 (张敏) under a live 委托书 A; W, the company's
委托书 for its request at the park station, waiting for a signature; P, the key project
yunfan-factory of the company with its assistant (刘洋) and three cases.

Refusals: pages send anonymous visitors to sign in and answer 404 for what the visitor may
not see (nothing is learnt, not even that it exists), 403 for an action on something they
see; the API answers 401, 404 ``*_not_found`` and 403 with a code.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from conftest import login
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from govhall.accounts.models import Authorisation
from govhall.accounts.services.authorisations import authorisation_request
from govhall.api import api
from govhall.cases.tests import factories as f
from govhall.stations.demo import EIA, RESIDENCE, SOCIAL_CARD
from govhall.stations.models import AssistRequest, KeyProject
from govhall.stations.tests.helpers import ask, user

pytestmark = pytest.mark.django_db

JSON = "application/json"
LOGIN = "login"  # a page's redirect to the sign-in page
OUTSIDERS = ("anonymous", "citizen2", "assistant4", "clerk")


@pytest.fixture
def world(places) -> dict[str, Any]:
    from govhall.stations.demo import load

    load()
    request = AssistRequest.objects.get(applicant__user__username="citizen", station__code="bym-community")
    project = KeyProject.objects.get(code="yunfan-factory")
    pending = Authorisation.objects.get(applicant=project.company, confirmed_at__isnull=True)
    assert request.assistant.username == "assistant3" and request.authorisation.confirmed_at is not None
    # submitted cases of the company that are in no project (a hall manager may take it in)
    company_cases = [f.act(f.upload_all(f.draft(f.COMPANY, "company"), "company"), "company", "submit") for _ in "ab"]
    # a second 委托书 of the company waiting for its signature (the first is confirmed by one of the parties)
    until = timezone.localdate() + datetime.timedelta(days=20)
    second = authorisation_request(
        actor=user("assistant"),
        assistant=user("assistant"),
        applicant=project.company,
        item_codes=[],
        valid_until=until,
    )
    return {
        "number": request.number,
        "code": project.code,
        "station": "bym-community",
        "live": request.authorisation.pk,
        "pending": pending.pk,
        "pending2": second.pk,
        "company_case": company_cases[0].number,
        "company_case2": company_cases[1].number,
        "until": until.isoformat(),
        "uscc": project.company.uscc,
        "assistant_id": user("assistant").pk,
    }


@dataclass(frozen=True)
class Route:
    method: str
    route: str  # as the resolver or the OpenAPI document names it
    expect: dict[str, int | str]  # OUTSIDERS -> status (LOGIN: the sign-in redirect)
    party: tuple[str, int | str]  # who is party, and what they get
    body: dict[str, Any] = field(default_factory=dict)  # values in {braces} come from the world
    # the code an API refusal carries, by actor (checked besides the status)
    codes: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> bool:
        return self.route.startswith("/api/")


PUBLIC = dict.fromkeys(OUTSIDERS, 200)
NOT_FOUND = {"anonymous": LOGIN, "citizen2": 404, "assistant4": 404}

PAGES = [
    Route("get", "stations/", PUBLIC, ("citizen", 200)),
    Route("get", "stations/<str:code>/", PUBLIC, ("citizen", 200)),
    Route("get", "assist/", {"anonymous": LOGIN, "citizen2": 200, "assistant4": 200, "clerk": 200}, ("citizen", 200)),
    Route(
        "get", "assist/new/", {"anonymous": LOGIN, "citizen2": 200, "assistant4": 200, "clerk": 200}, ("citizen", 200)
    ),
    # anyone signed in asks for themselves; staff without an applicant identity cannot
    Route(
        "post",
        "assist/new/",
        {"anonymous": LOGIN, "citizen2": 302, "assistant4": 400, "clerk": 400},
        ("citizen", 302),
        body={"description": "请帮我代办", "mode": "act"},
    ),
    Route(
        "get",
        "assist/station/",
        {"anonymous": LOGIN, "citizen2": 404, "assistant4": 200, "clerk": 200},
        ("assistant3", 200),
    ),
    # a walk-in at the community station: its assistant or the hall's clerk, not an assistant elsewhere
    Route(
        "post",
        "assist/station/",
        {"anonymous": LOGIN, "citizen2": 404, "assistant4": 403, "clerk": 302},
        ("assistant3", 302),
        body={"station": "{station}", "kind": "natural", "code": "{walk_in}", "name": "王小红", "phone": "13912345678"}
        | {"description": "现场咨询", "mode": "help"},
    ),
    Route(
        "get",
        "assist/authorisations/",
        {"anonymous": LOGIN, "citizen2": 200, "assistant4": 200, "clerk": 200},
        ("citizen", 200),
    ),
    # confirming 张明's 委托书 (already live): to anyone but his side it does not exist
    Route(
        "post",
        "assist/authorisations/",
        {**NOT_FOUND, "clerk": 404},
        ("citizen", 409),
        body={"action": "confirm", "authorisation": "{live}"},
    ),
    Route("get", "assist/dashboard/", {**NOT_FOUND, "clerk": 404}, ("manager", 200)),
    # the hall's clerk sees the hall's requests (and may act on none of them)
    Route("get", "assist/requests/<str:number>/", {**NOT_FOUND, "clerk": 200}, ("citizen", 200)),
    Route(
        "post",
        "assist/requests/<str:number>/act/",
        {**NOT_FOUND, "clerk": 403},
        ("assistant3", 302),
        body={"action": "cancel", "comment": "申请人已自行办理"},
    ),
    Route(
        "post",
        "assist/requests/<str:number>/authorisation/",
        {**NOT_FOUND, "clerk": 403},
        ("assistant3", 302),
        body={"valid_until": "{until}", "items": [SOCIAL_CARD]},
    ),
    Route("get", "assist/requests/<str:number>/file/", {**NOT_FOUND, "clerk": 404}, ("assistant3", 200)),
    Route(
        "post",
        "assist/requests/<str:number>/link/",
        {**NOT_FOUND, "clerk": 403},
        ("assistant3", 404),  # a case number the assistant cannot see: 404, as to everyone
        body={"case_number": "{company_case}"},
    ),
    Route(
        "get",
        "assist/projects/",
        {"anonymous": LOGIN, "citizen2": 200, "assistant4": 200, "clerk": 200},
        ("manager", 200),
    ),
    Route(
        "post",
        "assist/projects/",
        {**NOT_FOUND, "clerk": 404},
        ("manager", 302),
        body={"code": "new-plant", "name": "新厂房项目", "uscc": "{uscc}", "assistant": "{assistant_id}"},
    ),
    # key projects are for the company's side, its assistant and oversight: not a clerk
    Route("get", "assist/projects/<str:code>/", {**NOT_FOUND, "clerk": 404}, ("company", 200)),
    Route("get", "assist/projects/<str:code>/file/", {**NOT_FOUND, "clerk": 404}, ("assistant", 200)),
    Route(
        "post",
        "assist/projects/<str:code>/link/",
        {**NOT_FOUND, "clerk": 404},
        ("manager", 302),
        body={"case_number": "{company_case}"},
    ),
    Route("post", "assist/projects/<str:code>/status/", {**NOT_FOUND, "clerk": 404}, ("manager", 302)),
]

API_PUBLIC = dict.fromkeys(OUTSIDERS, 200)
API_NOT_FOUND = {"anonymous": 401, "citizen2": 404, "assistant4": 404}

API = [
    Route("get", "/api/v1/stations", API_PUBLIC, ("citizen", 200)),
    Route("get", "/api/v1/stations/nearby", API_PUBLIC, ("citizen", 200)),
    Route("get", "/api/v1/stations/places", API_PUBLIC, ("citizen", 200)),
    Route("get", "/api/v1/stations/{code}", API_PUBLIC, ("citizen", 200)),
    Route(
        "post",
        "/api/v1/assist/requests",
        {"anonymous": 401, "citizen2": 201, "assistant4": 400, "clerk": 400},
        ("citizen", 201),
        body={"description": "请帮我代办", "station_code": "{station}"},
        codes={"assistant4": "no_applicant", "clerk": "no_applicant"},
    ),
    Route(
        "get",
        "/api/v1/assist/requests",
        {"anonymous": 401, "citizen2": 200, "assistant4": 200, "clerk": 200},
        ("citizen", 200),
    ),
    Route(
        "get",
        "/api/v1/assist/requests/{number}",
        {**API_NOT_FOUND, "clerk": 200},
        ("assistant3", 200),
        codes={"citizen2": "assist_request_not_found", "assistant4": "assist_request_not_found"},
    ),
    Route(
        "post",
        "/api/v1/assist/requests/{number}/transitions",
        {**API_NOT_FOUND, "clerk": 403},
        ("manager", 200),
        body={"action": "cancel", "comment": "申请人已自行办理"},
        codes={"clerk": "role_not_allowed", "citizen2": "assist_request_not_found"},
    ),
    Route(
        "post",
        "/api/v1/assist/requests/{number}/authorisation",
        {**API_NOT_FOUND, "clerk": 403},
        ("assistant3", 201),
        body={"valid_until": "{until}"},
        codes={"clerk": "not_assignee", "assistant4": "assist_request_not_found"},
    ),
    Route(
        "post",
        "/api/v1/assist/requests/{number}/cases",
        {**API_NOT_FOUND, "clerk": 403},
        ("assistant3", 201),
        body={"item_code": SOCIAL_CARD},
        codes={"clerk": "not_assignee", "assistant4": "assist_request_not_found"},
    ),
    Route(
        "post",
        "/api/v1/assist/requests/{number}/links",
        {**API_NOT_FOUND, "clerk": 403},
        ("assistant3", 404),
        body={"case_number": "{company_case}"},
        codes={"clerk": "not_assignee", "assistant3": "case_not_found"},
    ),
    Route(
        "get",
        "/api/v1/assist/authorisations",
        {"anonymous": 401, "citizen2": 200, "assistant4": 200, "clerk": 200},
        ("citizen", 200),
    ),
    Route(
        "post",
        "/api/v1/assist/authorisations/{authorisation_id}/confirm",
        {**API_NOT_FOUND, "clerk": 404},
        ("company", 200),
        body={"@id": "{pending}"},
        codes=dict.fromkeys(("citizen2", "assistant4", "clerk"), "authorisation_not_found"),
    ),
    # the company's 委托书 waits for a signature at the park: witnessed by the assistant's
    # colleague there or the hall's clerk; not by an assistant of another station
    Route(
        "post",
        "/api/v1/assist/authorisations/{authorisation_id}/sign",
        {**API_NOT_FOUND, "clerk": 200},
        ("assistant2", 200),
        body={"@id": "{pending2}"},
        codes={"assistant4": "authorisation_not_found"},
    ),
    Route(
        "post",
        "/api/v1/assist/authorisations/{authorisation_id}/revoke",
        {**API_NOT_FOUND, "clerk": 404},
        ("citizen", 200),
        body={"@id": "{live}"},
        codes=dict.fromkeys(("citizen2", "assistant4", "clerk"), "authorisation_not_found"),
    ),
    Route(
        "get",
        "/api/v1/assist/workload",
        {"anonymous": 401, "citizen2": 403, "assistant4": 403, "clerk": 403},
        ("manager", 200),
        codes=dict.fromkeys(("citizen2", "assistant4", "clerk"), "role_not_allowed"),
    ),
    Route(
        "get",
        "/api/v1/projects",
        {"anonymous": 401, "citizen2": 200, "assistant4": 200, "clerk": 200},
        ("company", 200),
    ),
    Route(
        "post",
        "/api/v1/projects",
        {"anonymous": 401, "citizen2": 403, "assistant4": 403, "clerk": 403},
        ("manager", 201),
        body={"code": "api-plant", "name": "新厂房项目", "company_uscc": "{uscc}", "assistant_id": "{assistant_id}"},
        codes=dict.fromkeys(("citizen2", "assistant4", "clerk"), "role_not_allowed"),
    ),
    Route(
        "get",
        "/api/v1/projects/{code}",
        {**API_NOT_FOUND, "clerk": 404},
        ("assistant", 200),
        codes=dict.fromkeys(("citizen2", "assistant4", "clerk"), "project_not_found"),
    ),
    Route(
        "post",
        "/api/v1/projects/{code}/cases",
        {**API_NOT_FOUND, "clerk": 404},
        ("assistant", 201),
        body={"item_code": EIA},
        codes=dict.fromkeys(("citizen2", "assistant4", "clerk"), "project_not_found"),
    ),
    Route(
        "post",
        "/api/v1/projects/{code}/links",
        {**API_NOT_FOUND, "clerk": 404},
        ("manager", 201),
        body={"case_number": "{company_case2}"},
        codes=dict.fromkeys(("citizen2", "assistant4", "clerk"), "project_not_found"),
    ),
]


# --------------------------------------------------------------------------- the table is complete


def page_routes() -> set[str]:
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    return {r for r in walk(get_resolver().url_patterns) if r.startswith(("stations/", "assist/"))}


def api_operations() -> set[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    prefixes = ("/api/v1/stations", "/api/v1/assist", "/api/v1/projects")
    return {(method, path) for path, ops in paths.items() if path.startswith(prefixes) for method in ops}


def test_every_route_is_in_the_table():
    assert {r.route for r in PAGES} == page_routes()
    assert {(r.method, r.route) for r in API} == api_operations()
    assert len(PAGES) == 21 and len(API) == 21


def test_the_pages_are_public_or_behind_a_login(client):
    """Whatever the method, before any object is looked up (core's route walk asks this of
    every route; the finder and the stations' pages are the public ones)."""
    for route in page_routes():
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", "x", route)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if route.startswith("stations/"):
                assert response.status_code in (200, 404, 405), (method, url)
            else:
                assert response.status_code in (302, 405), (method, url, response.status_code)
                if response.status_code == 302:
                    assert response["Location"].startswith("/accounts/login/"), (method, url)


# --------------------------------------------------------------------------- who gets what


def _fill(value: Any, world: dict[str, Any]) -> Any:
    if isinstance(value, str):
        found = re.fullmatch(r"\{(\w+)\}", value)
        return world[found.group(1)] if found else value
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    return value


def _walk_in_code() -> str:
    from govhall.accounts.validators import id_number_check_char

    base = "61010419850606123"
    return base + id_number_check_char(base)


def call(client, route: Route, world: dict[str, Any]):
    values = {**world, "walk_in": _walk_in_code()}
    body = {k: _fill(v, values) for k, v in route.body.items()}
    ident = body.pop("@id", None)
    path_values = {"code": world["code"], "number": world["number"], "authorisation_id": ident}
    if route.route in ("stations/<str:code>/", "/api/v1/stations/{code}"):
        path_values["code"] = world["station"]
    if route.api:
        url = re.sub(r"\{(\w+)\}", lambda m: str(path_values[m.group(1)]), route.route)
        if route.method == "get":
            return client.get(url)
        return client.post(url, json.dumps(body) if body else None, content_type=JSON)
    url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(path_values[m.group(1)]), route.route)
    return client.get(url) if route.method == "get" else client.post(url, body)


def _check(response, expected: int | str, route: Route, who: str) -> None:
    where = (who, route.method, route.route)
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), where
        return
    assert response.status_code == expected, (*where, response.status_code, response.content[:300])
    if route.api and who in route.codes:
        assert response.json()["code"] == route.codes[who], where
    if route.api and response.status_code == 401:
        assert response.json()["code"] == "unauthenticated", where


@pytest.mark.parametrize("who", OUTSIDERS)
def test_what_each_outsider_gets(client, world, who):
    if who != "anonymous":
        login(client, who)
    for route in PAGES + API:
        response = call(client, route, world)
        _check(response, route.expect[who], route, who)
        if response.status_code in (401, 404):  # "not found" says nothing of 张明 or the project
            text = response.content.decode()
            assert "张明" not in text and "张*" not in text and "云帆" not in text, (who, route.route)


def test_what_the_parties_get(client, world):
    """The same routes for whoever is party: the applicant, the request's assistant, the
    hall manager, the company, the project's assistant. Reads first; each write on its own
    object, so the order does not matter."""
    ordered = sorted(PAGES + API, key=lambda r: r.method != "get")
    for route in ordered:
        who, expected = route.party
        login(client, who)
        if route.route in ("assist/requests/<str:number>/act/", "/api/v1/assist/requests/{number}/transitions"):
            # a new request of 张明 (assistant3's again): cancelling it leaves R as it is
            response = call(client, route, {**world, "number": ask().number})
        else:
            response = call(client, route, world)
        _check(response, expected, route, who)


def test_another_halls_staff_reach_nothing(client, world):
    """A clerk and a hall manager of another hall: the hall's requests, 委托书, numbers and
    projects are not theirs (the demo clerk and manager are of 莲湖区政务服务中心)."""
    from govhall.accounts.models import StaffProfile
    from govhall.accounts.roles import Role
    from govhall.lockers.tests.factories import clerk_elsewhere

    clerk_elsewhere("clerk_other")
    manager = clerk_elsewhere("manager_other")
    StaffProfile.objects.filter(user=manager).update(role=Role.HALL_MANAGER)
    for who in ("clerk_other", "manager_other"):
        login(client, who)
        assert client.get(f"/assist/requests/{world['number']}/").status_code == 404
        r = client.get(f"/api/v1/assist/requests/{world['number']}")
        assert (r.status_code, r.json()["code"]) == (404, "assist_request_not_found")
        assert client.get("/api/v1/assist/requests").json()["count"] == 0
        r = client.post(f"/api/v1/assist/authorisations/{world['pending']}/sign")
        assert (r.status_code, r.json()["code"]) == (404, "authorisation_not_found")
        r = client.post(f"/api/v1/assist/authorisations/{world['live']}/revoke")
        assert (r.status_code, r.json()["code"]) == (404, "authorisation_not_found")
        assert client.get(f"/api/v1/projects/{world['code']}").status_code == 404
    workload = client.get("/api/v1/assist/workload").json()  # manager_other: an empty hall
    assert (workload["assistants"], workload["stations"], workload["open"]) == ([], [], 0)
    assert Authorisation.objects.get(pk=world["live"]).revoked_at is None


def test_the_hall_manager_acts_on_the_halls_requests(client, world):
    login(client, "manager")
    r = client.post(f"/api/v1/assist/authorisations/{world['live']}/revoke")
    assert r.status_code == 200 and r.json()["state"] == "revoked"
    # a supervisor of the region looks and does not act
    login(client, "supervisor")
    assert client.get(f"/api/v1/assist/requests/{world['number']}").status_code == 200
    r = client.post(
        f"/api/v1/assist/requests/{world['number']}/transitions",
        json.dumps({"action": "cancel", "comment": "x"}),
        content_type=JSON,
    )
    assert (r.status_code, r.json()["code"]) == (403, "role_not_allowed")
    assert client.get("/api/v1/assist/workload").status_code == 200
    assert client.get(f"/api/v1/projects/{world['code']}").status_code == 200


def test_one_applicants_mandate_does_not_reach_another(client, world):
    """assistant3 holds 张明's 委托书; a request of 李娜 assigned to them lets them see her
    request, not file for her."""
    other = ask("citizen2", items=[RESIDENCE])
    assert other.assistant.username == "assistant3"
    login(client, "assistant3")
    r = client.post(
        f"/api/v1/assist/requests/{other.number}/cases",
        json.dumps({"item_code": RESIDENCE}),
        content_type=JSON,
    )
    assert (r.status_code, r.json()["code"]) == (403, "no_authorisation")
