"""Every route of the site, walked from the URL resolver: what an anonymous visitor and
another applicant get. A new route fails here until it is either behind a login or
named below as public, so nothing is published by accident."""

from __future__ import annotations

import re

import pytest
from conftest import login
from django.urls import URLPattern, URLResolver, get_resolver

from govhall.cases.tests import factories as f
from govhall.licences.tests import factories as licence_factories
from govhall.notify.services import notification_send

pytestmark = pytest.mark.django_db

# Open to everyone: the catalogue, the guides and their blank forms, the public progress
# query and licence verification (both masked and rate-limited), logging in and
# registering, the display mode switch (a cookie, 长辈模式), the API's own description and
# its JSON 404 for paths it does not have; the service-point finder (stations, halls and
# lockers on a map). The cabinets' own API is signed per cabinet, not a login: unsigned it
# answers 401 like the rest (lockers/tests/test_cabinet_api.py).
PUBLIC = {
    "stations/",
    "stations/<str:code>/",
    "api/v1/stations",
    "api/v1/stations/<code>",
    "api/v1/stations/nearby",
    "api/v1/stations/places",
    "",
    "mode/",
    "items/",
    "items/<str:code>/",
    "items/<str:code>/materials/",
    "items/<str:code>/qr.svg",
    "lists/<str:name>/",
    "departments/",
    "departments/<str:code>/",
    "bundles/",
    "bundles/<str:code>/",
    "bundles/<str:code>/checklist.pdf",
    "life/",
    "life/<str:tree>/",
    "api/v1/bundles",
    "api/v1/bundles/<code>",
    "progress/",
    "licences/<str:number>/verify",
    "media/catalog/<path:path>",
    "accounts/login/",
    "accounts/logout/",
    "accounts/register/",
    "accounts/password/reset/",
    "api/v1/",
    "api/v1/openapi.json",
    "api/v1/docs",
    "api/v1/ping",
    "api/v1/auth/token",
    "api/v1/catalog/items",
    "api/v1/catalog/items/<code>",
    "api/v1/catalog/items/<code>/materials",
    "api/v1/catalog/departments",
    "api/v1/catalog/topics",
    "api/v1/progress",
    "api/v1/licences/<number>/verify",
    "^api/(?P<rest>.*)$",
    # 好差评公示 (no personal data); the window evaluator screen and its pairing answer by the
    # device's own secret (a cookie set by pairing), never by a login
    "evaluations/public/",
    "api/v1/evaluations/public",
    "evaluations/screen/",
    "evaluations/screen/pair/",
    # the hall's kiosk, door QR and screen (paired devices or an unguessable ticket link)
    "queue/pair/",
    "queue/kiosk/",
    "queue/door/<str:secret>/",
    "queue/t/<str:secret>/",
    "queue/screen/",
    "queue/screen/state/",
    "api/v1/queue/kiosk/tickets",
    "api/v1/queue/tickets/<secret>",
    "api/v1/queue/tickets/<secret>/cancel",
    "api/v1/queue/screen",
    # the load balancer's and monitoring's (metrics only to allowed addresses or a token)
    "healthz",
    "readyz",
    "metrics",
}


def routes() -> list[str]:
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    # The admin has its own login and permission checks (tested with each admin).
    return sorted({r for r in walk(get_resolver().url_patterns) if not r.startswith("admin/")})


@pytest.fixture
def values(demo, settings, tmp_path):
    """Real objects for every parameter, so a 404 cannot hide a missing check."""
    settings.MEDIA_ROOT = tmp_path
    case = f.upload_all(f.draft())
    f.act(f.submitted(), "clerk", "accept")
    deferred = f.accepted_with_deferral()
    licence = licence_factories.issue(licence_factories.citizen())
    message = notification_send(event="case.accepted", text="已受理", users=[f.user("citizen")])[0]  # in-site first
    return {
        "number": case.number,
        "code": case.item.code,
        "name": "mobile",
        "document_id": str(deferred.documents.first().pk),
        "material_id": str(case.materials.first().pk),
        "notification_id": str(message.pk),
        "path": "templates/form.pdf",
        "licence": licence.number,
        "deferred": deferred.number,
        "authorisation_id": "1",
        "appointment_id": "1",
        "hall_id": str(f.user("clerk").staff_profile.hall_id),
        "stage": "1",
        "evaluation_id": "1",
        "task_id": "1",
        "ticket_id": "1",
        "secret": "x" * 32,
        "user_id": str(f.user("clerk").pk),
        "pk": "1",
    }


def concrete(route: str, values: dict) -> str:
    def fill(match: re.Match) -> str:
        name = match.group(1).split(":")[-1]
        if name == "number" and route.startswith(("licences/", "api/v1/licences/")):
            return values["licence"]
        if name == "number" and "documents" in route:
            return values["deferred"]
        return values[name]

    return "/" + re.sub(r"<([^>]+)>", fill, route)


def test_every_route_is_public_or_behind_a_login(client, values):
    assert PUBLIC <= set(routes()), f"listed as public but gone: {PUBLIC - set(routes())}"
    for route in routes():
        if route in PUBLIC:
            continue
        url = concrete(route, values)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if route.startswith("api/"):
                assert response.status_code in (401, 405), (method, url, response.status_code)
            else:
                assert response.status_code in (302, 405), (method, url, response.status_code)
                if response.status_code == 302:
                    assert response["Location"].startswith("/accounts/login/"), (method, url)


def test_another_applicant_reaches_nothing_of_a_case(client, values):
    """citizen2 is logged in but holds none of citizen's case, its documents or materials."""
    login(client, "citizen2")
    case_routes = [r for r in routes() if "<number>" in r or "<str:number>" in r]
    # (an assistance request's number is not a case's: stations/tests/test_access.py)
    case_routes = [
        r
        for r in case_routes
        if not r.startswith(("licences/", "api/v1/licences/<number>/verify", "assist/", "api/v1/assist/"))
    ]
    assert len(case_routes) >= 12
    # Well-formed bodies, so the answer comes from the case check and not from validation.
    bodies = {
        "api/v1/cases/<number>/materials": {"requirement_id": "1", "file": f.pdf_upload()},
        "api/v1/cases/<number>/transitions": {"action": "withdraw"},
        "api/v1/cases/<number>/verification": {"passed": True, "comment": "核查"},
        # a bundle case's number is not a case's: these answer 404 bundle_case_not_found
        "api/v1/bundle-cases/<number>/materials": {"name": "卫生管理制度", "file": f.pdf_upload()},
        "api/v1/bundle-cases/<number>/submit": {},
        "api/v1/bundle-cases/<number>/withdraw": {},
        "api/v1/bundle-cases/<number>/deliver": {},
        "api/v1/bundle-cases/<number>/prereview": {},
        "api/v1/evaluations/cases/<number>": {
            "level": 5,
            "indicators": {"overall": 5, "efficiency": 5, "guide_accuracy": 5, "convenience": 5, "usability": 5},
        },
        # a precheck's number is not a case's: these answer 404 precheck_not_found
        "api/v1/prechecks/<number>/reply": {"outcome": "ready"},
    }
    for route in case_routes:
        url = concrete(route, values)
        for method in ("get", "post"):
            if method == "post" and route in bodies and route.endswith("materials"):
                response = client.post(url, bodies[route])
            elif method == "post" and route in bodies:
                response = client.post(url, bodies[route], content_type="application/json")
            else:
                response = getattr(client, method)(url)
            assert response.status_code in (403, 404, 405), (method, url, response.status_code)
            assert values["number"] not in response.content.decode(errors="replace") or response.status_code == 405
