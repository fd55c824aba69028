"""The bundle-case API: file once, one material for every member, submit, withdraw, the
window's unified delivery; every route refuses the anonymous (401), hides others' bundle
cases (404) and refuses the wrong side (403)."""

from __future__ import annotations

import pytest

from govhall.bundles import selectors
from govhall.bundles.tests import factories as bf
from govhall.cases.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def post(client, url, headers, data=None):
    return client.post(url, data or {}, content_type="application/json", headers=headers)


def test_file_upload_submit_and_read_through_the_api(client, bearer, restaurant, django_capture_on_commit_callbacks):
    citizen = bearer("citizen")
    r = post(client, "/api/v1/bundle-cases", citizen, {"bundle_code": bf.CODE, "form": {"店名": "张明小吃店"}})
    assert r.status_code == 400 and r.json()["code"] == "invalid_form"
    assert r.json()["detail"] == {"经营场所": "必填"}
    r = post(
        client,
        "/api/v1/bundle-cases",
        citizen,
        {
            "bundle_code": bf.CODE,
            "form": bf.SHOP_FORM,
            "answers": {k[1:]: v for k, v in bf.no_licence_yet(restaurant).items()},
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    number = body["number"]
    assert body["status"] == "draft"
    assert [m["item_code"] for m in body["members"]] == [bf.SHOP, bf.FOOD, bf.HEALTH]
    assert len({m["department"] for m in body["members"]}) == 2  # two bureaus
    shared = next(m for m in body["materials"] if m["name"] == "卫生管理制度")
    assert shared["shared"] and shared["members"] == 2 and not shared["supplied"]
    for material in body["materials"]:
        if material["asked"] and material["required"] and not material["supplied"]:
            r = client.post(
                f"/api/v1/bundle-cases/{number}/materials",
                {"name": material["name"], "file": f.pdf_upload()},
                headers=citizen,
            )
            assert r.status_code == 201, r.content
    bundle_case = selectors.BundleCase.objects.get(number=number)
    bf.upload_all(bundle_case)  # anything the licence library did not hold
    with django_capture_on_commit_callbacks(execute=True):
        r = post(client, f"/api/v1/bundle-cases/{number}/submit", citizen)
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "submitted"
    assert {m["state"] for m in r.json()["members"]} == {"submitted"}
    listed = client.get("/api/v1/bundle-cases", headers=citizen).json()
    assert listed["count"] == 1 and listed["results"][0]["number"] == number
    # the market bureau's reviewer sees its two members only, and none of the applicant's form
    seen = client.get(f"/api/v1/bundle-cases/{number}", headers=bearer("reviewer")).json()
    assert [m["item_code"] for m in seen["members"]] == [bf.SHOP, bf.FOOD]
    assert seen["form"] == {} and seen["materials"] == []
    with django_capture_on_commit_callbacks(execute=True):
        r = post(client, f"/api/v1/bundle-cases/{number}/withdraw", citizen, {"comment": "不开了"})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"


def test_every_route_is_authorised(client, bearer, restaurant):
    bundle_case = bf.create()
    number = bundle_case.number
    routes = [
        ("get", "/api/v1/bundle-cases", None),
        ("post", "/api/v1/bundle-cases", {"bundle_code": bf.CODE, "form": bf.FORM}),
        ("get", f"/api/v1/bundle-cases/{number}", None),
        ("post", f"/api/v1/bundle-cases/{number}/submit", {}),
        ("post", f"/api/v1/bundle-cases/{number}/withdraw", {}),
        ("post", f"/api/v1/bundle-cases/{number}/deliver", {}),
    ]
    for method, url, data in routes:
        r = getattr(client, method)(url, data, content_type="application/json") if data is not None else client.get(url)
        assert r.status_code == 401, (url, r.status_code)
    r = client.post(f"/api/v1/bundle-cases/{number}/materials", {"name": "卫生管理制度", "file": f.pdf_upload()})
    assert r.status_code == 401
    other = bearer("citizen2")
    assert client.get(f"/api/v1/bundle-cases/{number}", headers=other).status_code == 404
    assert client.get("/api/v1/bundle-cases", headers=other).json()["count"] == 0
    for action in ("submit", "withdraw", "deliver"):
        r = post(client, f"/api/v1/bundle-cases/{number}/{action}", other)
        assert r.status_code == 404 and r.json()["code"] == "bundle_case_not_found", action
    r = client.post(
        f"/api/v1/bundle-cases/{number}/materials", {"name": "卫生管理制度", "file": f.pdf_upload()}, headers=other
    )
    assert r.status_code == 404
    # a draft is the applicant's alone; staff do not see it
    assert client.get(f"/api/v1/bundle-cases/{number}", headers=bearer("clerk")).status_code == 404
    bf.upload_all(bundle_case)
    from govhall.bundles import services

    services.bundle_case_submit(actor=f.user("citizen"), bundle_case=bundle_case)
    clerk = bearer("clerk")
    r = post(client, f"/api/v1/bundle-cases/{number}/submit", clerk)
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    r = post(client, f"/api/v1/bundle-cases/{number}/withdraw", clerk)
    assert r.status_code == 403
    r = post(client, f"/api/v1/bundle-cases/{number}/deliver", clerk)
    assert r.status_code == 409 and r.json()["code"] == "not_all_decided"
    r = post(client, f"/api/v1/bundle-cases/{number}/deliver", bearer("citizen"))
    assert r.status_code == 403
    r = post(client, "/api/v1/bundle-cases", bearer("citizen"), {"bundle_code": "nothing"})
    assert r.status_code == 404 and r.json()["code"] == "bundle_not_found"
