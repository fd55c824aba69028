"""Every lockers endpoint and page refuses whoever should not pass: anonymous visitors (401
on the API, the sign-in page on pages), another applicant (404: nothing is learnt, not even
that the case exists), staff of another hall (their sites and parcels are not theirs), the
applicant side on staff actions, staff on the applicant's. Also what core's route walk
(core/tests/test_access.py) asks of every route, for the lockers' own."""

from __future__ import annotations

import json
import re

import pytest
from conftest import login
from django.urls import URLPattern, URLResolver, get_resolver

from govhall.cases.tests import factories as f
from govhall.lockers import selectors
from govhall.lockers.tests import factories as lf

pytestmark = pytest.mark.django_db


def lockers_routes() -> list[str]:
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    return sorted(r for r in set(walk(get_resolver().url_patterns)) if r.startswith(("lockers/", "api/v1/lockers/")))


@pytest.fixture
def world(demo):
    site, cabinets = lf.site()
    case = lf.accepted()
    lf.reserve(case, site)
    return {"site": site, "cabinet": cabinets[0][0], "secret": cabinets[0][1], "case": case}


def concrete(route: str, world) -> str:
    values = {"number": world["case"].number, "code": world["site"].code}
    if route.startswith("lockers/screen/"):
        values["code"] = world["cabinet"].code
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], route)


def test_the_lockers_routes_are_behind_a_login_or_a_signature(client, world):
    routes = lockers_routes()
    assert len(routes) >= 20
    for route in routes:
        url = concrete(route, world)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if route.startswith("api/"):
                assert response.status_code in (401, 405), (method, url, response.status_code)
            else:
                assert response.status_code in (302, 405), (method, url, response.status_code)
                if response.status_code == 302:
                    assert response["Location"].startswith("/accounts/login/"), (method, url)


def test_another_applicant_reaches_nothing_of_the_case(client, world):
    login(client, "citizen2")
    number = world["case"].number
    for route in [r for r in lockers_routes() if "<number>" in r or "<str:number>" in r]:
        url = concrete(route, world)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (403, 404, 405), (method, url, response.status_code)
            assert number not in response.content.decode(errors="replace")
    # and through the bodies of the API's case actions
    for path, body in (
        ("dropoffs", {"case_number": number, "site": world["site"].code, "size": "S"}),
        ("dropoffs/cancel", {"case_number": number}),
        ("codes", {"case_number": number, "kind": "dropoff"}),
        ("pickup-site", {"case_number": number, "site": world["site"].code}),
        ("originals", {"case_number": number, "comment": "原件"}),
        ("deposits", {"case_number": number, "site": world["site"].code, "size": "S"}),
        ("collections", {"case_number": number}),
        ("retrievals", {"case_number": number}),
    ):
        response = client.post(f"/api/v1/lockers/{path}", json.dumps(body), content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (404, "case_not_found"), path
    assert client.get("/api/v1/lockers/parcels").json() == []


def test_staff_actions_refuse_the_applicant_and_applicant_actions_refuse_staff(client, world):
    number = world["case"].number
    login(client, "citizen")
    for path, body in (
        ("originals", {"case_number": number, "comment": "原件"}),
        ("deposits", {"case_number": number, "site": world["site"].code, "size": "S"}),
        ("collections", {"case_number": number}),
        ("retrievals", {"case_number": number}),
    ):
        response = client.post(f"/api/v1/lockers/{path}", json.dumps(body), content_type="application/json")
        assert response.status_code == 403, (path, response.content)
    for path in (f"sites/{world['site'].code}", f"sites/{world['site'].code}/stats"):
        assert client.get(f"/api/v1/lockers/{path}").status_code == 404
    for path, body in (
        ("cells/repair", {"cabinet": world["cabinet"].code, "door": 1}),
        ("cabinets/unlock", {"cabinet": world["cabinet"].code}),
    ):
        response = client.post(f"/api/v1/lockers/{path}", json.dumps(body), content_type="application/json")
        assert response.status_code == 404, path
    assert client.get(f"/lockers/sites/{world['site'].code}/").status_code == 404
    login(client, "clerk")
    for path, body in (
        ("dropoffs", {"case_number": number, "site": world["site"].code, "size": "S"}),
        ("dropoffs/cancel", {"case_number": number}),
        ("codes", {"case_number": number, "kind": "dropoff"}),
        ("pickup-site", {"case_number": number, "site": world["site"].code}),
    ):
        response = client.post(f"/api/v1/lockers/{path}", json.dumps(body), content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (403, "not_applicant_side"), path


def test_a_clerk_of_another_hall_sees_none_of_the_sites_cells(client, world):
    other = lf.clerk_elsewhere()
    site = world["site"]
    assert list(selectors.sites_for_staff(other)) == []
    assert not selectors.can_see_site(other, site)
    assert list(selectors.waiting_collection(other)) == [] and list(selectors.waiting_pickup(other)) == []
    assert list(selectors.visible_parcels(other)) == []
    login(client, "clerk_other")
    assert client.get(f"/api/v1/lockers/sites/{site.code}").status_code == 404
    assert client.get(f"/api/v1/lockers/sites/{site.code}/stats").status_code == 404
    assert client.get(f"/lockers/sites/{site.code}/").status_code == 404
    assert client.get("/api/v1/lockers/parcels").json() == []
    page = client.get("/lockers/")
    assert page.status_code == 200 and site.name not in page.content.decode()
    # while the hall's own clerk and manager do, and a supervisor of the region looks only
    login(client, "clerk")
    detail = client.get(f"/api/v1/lockers/sites/{site.code}").json()
    assert [c["state"] for c in detail["cabinets"][0]["cells"]].count("reserved") == 1
    assert selectors.can_work_site(f.user("manager"), site)
    assert selectors.can_see_site(f.user("supervisor"), site) and not selectors.can_work_site(
        f.user("supervisor"), site
    )
    login(client, "supervisor")
    response = client.post(
        "/api/v1/lockers/cabinets/unlock",
        json.dumps({"cabinet": world["cabinet"].code}),
        content_type="application/json",
    )
    assert response.status_code == 404


def test_an_applicant_sees_only_their_own_parcels(client, world, demo):
    other_case = lf.accepted(username="company")
    lf.reserve(other_case, world["site"], username="company")
    login(client, "citizen")
    mine = client.get("/api/v1/lockers/parcels").json()
    assert {p["case_number"] for p in mine} == {world["case"].number}
    login(client, "company")
    assert {p["case_number"] for p in client.get("/api/v1/lockers/parcels").json()} == {other_case.number}


def test_the_scope_as_a_filter_and_on_one_parcel_agree(world):
    """The two forms of the one policy (decision 0003), over every demo role."""
    from govhall.lockers.models import Parcel

    lf.clerk_elsewhere()
    parcels = list(Parcel.objects.select_related("case", "applicant"))
    for username in (
        "citizen",
        "citizen2",
        "company",
        "clerk",
        "clerk_other",
        "manager",
        "reviewer",
        "supervisor",
        "admin",
    ):
        user = f.user(username)
        listed = set(selectors.visible_parcels(user).values_list("pk", flat=True))
        assert listed == {p.pk for p in parcels if selectors.can_see_parcel(user, p)}, username


def test_the_cabinet_api_takes_only_signed_requests_whatever_the_body(client, world):
    """Forms, empty bodies and JSON alike: 401 before anything is read."""
    for path in ("cabinet/open", "cabinet/events", "cabinet/poll", "network/events"):
        url = f"/api/v1/lockers/{path}"
        assert client.post(url).status_code == 401
        assert client.post(url, {"code": "1"}).status_code == 401
        assert client.post(url, "{}", content_type="application/json").status_code == 401
