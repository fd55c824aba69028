"""The construction API: register, file a stage, read the project, record the inspection;
every route refuses the anonymous (401), hides others' projects (404) and refuses the wrong
side (403), with structured errors."""

from __future__ import annotations

import pytest
from django.utils import timezone

from govhall.construction import demo as construction_demo
from govhall.construction.models import ConstructionProject
from govhall.construction.tests import helpers as h

API = "/api/v1/construction"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def post(client, url, headers, data=None):
    return client.post(url, data or {}, content_type="application/json", headers=headers)


def test_register_file_inspect_and_read(client, bearer, stages, django_capture_on_commit_callbacks):
    company = bearer("company")
    r = post(client, f"{API}/projects", company, {"code": "bad code", "name": "x"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_field"
    r = post(client, f"{API}/projects", company, {"code": h.CODE, "name": "测试厂房", "investment": "1200.5"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["current_stage"] == 1 and body["investment"] == 1200.5
    assert [s["status"] for s in body["stages"]] == ["open", "locked", "locked", "locked"]
    r = post(client, f"{API}/projects", company, {"code": h.CODE, "name": "again"})
    assert r.status_code == 409 and r.json()["code"] == "project_code_taken"
    r = post(client, f"{API}/projects/{h.CODE}/stages/2/file", company, {"form": {}})
    assert r.status_code == 409 and r.json()["code"] == "stage_not_open"
    r = post(client, f"{API}/projects/{h.CODE}/stages/1/file", company, {"form": {"no such field": "x"}})
    assert r.status_code == 400 and r.json()["code"] == "invalid_form"
    form = construction_demo.form_for("gcjs-stage1")
    r = post(client, f"{API}/projects/{h.CODE}/stages/1/file", company, {"form": form})
    assert r.status_code == 201, r.content
    stage = r.json()
    assert stage["status"] == "filed" and stage["bundle_case"] and len(stage["members"]) == 2
    assert len({m["department"] for m in stage["members"]}) == 2  # two departments, in parallel
    r = post(client, f"{API}/projects/{h.CODE}/stages/1/submit", company)
    assert r.status_code == 400 and r.json()["code"] == "materials_missing"
    p = ConstructionProject.objects.get(code=h.CODE)
    with django_capture_on_commit_callbacks(execute=True):
        construction_demo.upload_all(h.user("company"), p.stages.get(stage=1).bundle_case)
        r = post(client, f"{API}/projects/{h.CODE}/stages/1/submit", company)
    assert r.status_code == 200, r.content
    assert {m["state"] for m in r.json()["members"]} == {"submitted"}
    # the inspection: a department of the stage records it; not before it is filed, not twice
    h.taken_in(p.stages.get(stage=1))
    zrzy = bearer("zrzy-approver")
    today = timezone.localdate().isoformat()
    r = post(
        client,
        f"{API}/projects/{h.CODE}/stages/1/inspection",
        zrzy,
        {"inspected_on": today, "departments": ["lh-zrzy"], "findings": ""},
    )
    assert r.status_code == 400 and r.json()["detail"] == {"field": "findings"}
    r = post(
        client,
        f"{API}/projects/{h.CODE}/stages/1/inspection",
        zrzy,
        {"inspected_on": "2026-13-01", "departments": ["lh-zrzy"], "findings": "x"},
    )
    assert r.status_code in (400, 422)
    good = {"inspected_on": today, "departments": ["lh-zrzy", "lh-sthj"], "findings": "现场符合规划条件"}
    r = post(client, f"{API}/projects/{h.CODE}/stages/1/inspection", zrzy, good)
    assert r.status_code == 201, r.content
    assert len(r.json()["departments"]) == 2
    r = post(client, f"{API}/projects/{h.CODE}/stages/1/inspection", zrzy, good)
    assert r.status_code == 409 and r.json()["code"] == "inspection_exists"
    r = client.get(f"{API}/projects/{h.CODE}", headers=zrzy)
    assert r.status_code == 200
    s1 = r.json()["stages"][0]
    assert s1["inspection"]["findings"] == "现场符合规划条件"
    assert {m["visible"] for m in s1["members"]} == {True, False}  # opens its own department's case only
    r = client.get(f"{API}/projects/{h.CODE}/stages/1", headers=company)
    assert r.status_code == 200 and r.json()["stage"] == 1
    r = client.get(f"{API}/projects/{h.CODE}/stages/9", headers=company)
    assert r.status_code == 404 and r.json()["code"] == "stage_not_found"
    r = client.get(f"{API}/projects", headers=company)
    assert r.json()["count"] == 1 and r.json()["results"][0]["current_stage"] == 1


def test_authorisation(client, bearer, stages):
    h.project()
    for path in (f"{API}/projects", f"{API}/projects/{h.CODE}", f"{API}/projects/{h.CODE}/stages/1"):
        assert client.get(path).status_code == 401
    assert post(client, f"{API}/projects/{h.CODE}/stages/1/file", {}, {"form": {}}).status_code == 401
    for outsider in ("citizen2", "reviewer", "zrzy-approver"):
        headers = bearer(outsider)
        r = client.get(f"{API}/projects/{h.CODE}", headers=headers)
        assert r.status_code == 404 and r.json()["code"] == "project_not_found", outsider
        assert client.get(f"{API}/projects", headers=headers).json()["count"] == 0
        r = post(client, f"{API}/projects/{h.CODE}/stages/1/file", headers, {"form": {}})
        assert r.status_code == 404
    # a stranger cannot register a project for someone else's company (nor learn it exists)
    r = post(
        client, f"{API}/projects", bearer("citizen2"), {"code": "X-0009", "name": "x", "builder_id": h.company().pk}
    )
    assert r.status_code == 404 and not ConstructionProject.objects.filter(code="X-0009").exists()
    # staff who see the project but do not act for the builder cannot file
    r = post(client, f"{API}/projects/{h.CODE}/stages/1/file", bearer("supervisor"), {"form": {}})
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    # the builder's side cannot record an inspection
    r = post(
        client,
        f"{API}/projects/{h.CODE}/stages/1/inspection",
        bearer("company"),
        {"inspected_on": timezone.localdate().isoformat(), "departments": ["lh-zrzy"], "findings": "x"},
    )
    assert r.status_code == 409  # not filed yet: the stage is checked first
