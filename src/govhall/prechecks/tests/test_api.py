"""The prechecks API: ask, list one's own and the staff's, read with the draft, answer once,
withdraw, count; 401 for the anonymous, 404 for others' prechecks, 403 for the wrong side."""

from __future__ import annotations

import pytest
from django.utils import timezone

from govhall.cases.models import Case, State
from govhall.prechecks.tests import helpers as h

API = "/api/v1/prechecks"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def post(client, url, headers, data=None):
    return client.post(url, data or {}, content_type="application/json", headers=headers)


def test_ask_answer_once_and_read(client, bearer, demo):
    case = h.draft()
    citizen, reviewer = bearer("citizen"), bearer("reviewer")
    r = post(client, API, citizen, {})
    assert r.status_code == 400 and r.json()["code"] == "missing_field"
    r = post(client, API, citizen, {"case_number": case.number, "question": "租赁合同可以吗？"})
    assert r.status_code == 201, r.content
    body = r.json()
    number = body["number"]
    assert body["status"] == "pending" and body["draft"] == case.number and not body["may_reply"]
    assert body["draft_cases"][0]["state"] == "draft" and body["draft_cases"][0]["checklist"]
    r = post(client, API, citizen, {"case_number": case.number})
    assert r.status_code == 409 and r.json()["code"] == "precheck_pending"
    assert client.get(f"{API}/mine", headers=citizen).json()["count"] == 1
    assert client.get(API, headers=citizen).json()["count"] == 0  # the staff list is staff's
    r = client.get(API, headers=reviewer, data={"status": "pending"})
    assert r.json()["count"] == 1 and r.json()["results"][0]["applicant"] == "张*"
    r = client.get(f"{API}/{number}", headers=reviewer)
    assert r.status_code == 200 and r.json()["may_reply"] and r.json()["question"] == "租赁合同可以吗？"
    r = post(client, f"{API}/{number}/reply", reviewer, {"outcome": "fix", "findings": []})
    assert r.status_code == 400 and r.json()["code"] == "invalid_finding"
    r = post(client, f"{API}/{number}/reply", reviewer, {"outcome": "fix", "findings": [{"kind": "x"}]})
    assert r.status_code in (400, 422)
    r = post(client, f"{API}/{number}/reply", reviewer, {"outcome": "fix", "findings": h.FINDINGS})
    assert r.status_code == 200, r.content
    assert [f["target"] for f in r.json()["findings"]] == ["营业执照", "经营场所"]
    r = post(client, f"{API}/{number}/reply", reviewer, {"outcome": "ready"})
    assert r.status_code == 409 and r.json()["code"] == "already_replied"
    r = client.get(f"{API}/{number}", headers=citizen)
    assert r.json()["status"] == "replied" and len(r.json()["findings"]) == 2
    assert Case.objects.get(pk=case.pk).state == State.DRAFT
    today = timezone.localdate().isoformat()
    r = client.get(f"{API}/counts", headers=bearer("manager"), data={"start": today, "end": today})
    assert r.status_code == 200 and r.json()["total"] == 1 and r.json()["fix"] == 1
    r = client.get(f"{API}/counts", headers=bearer("manager"), data={"start": today, "end": "2020-01-01"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_period"


def test_authorisation(client, bearer, demo):
    request = h.asked()
    number = request.number
    for path in (API, f"{API}/mine", f"{API}/{number}"):
        assert client.get(path).status_code == 401
    assert post(client, f"{API}/{number}/reply", {}, {"outcome": "ready"}).status_code == 401
    # an applicant never sees another's precheck; a reviewer only their department's
    h.health_reviewer()
    for outsider in ("citizen2", "company", "wj-reviewer"):
        headers = bearer(outsider)
        r = client.get(f"{API}/{number}", headers=headers)
        assert r.status_code == 404 and r.json()["code"] == "precheck_not_found", outsider
        assert client.get(f"{API}/mine", headers=headers).json()["count"] == 0
        assert client.get(API, headers=headers).json()["count"] == 0
        assert post(client, f"{API}/{number}/reply", headers, {"outcome": "ready"}).status_code == 404
        assert post(client, f"{API}/{number}/withdraw", headers).status_code == 404
        r = post(client, API, headers, {"case_number": request.case.number})
        assert r.status_code == 404
    # those who see it but do not answer: 403
    for name in ("manager", "supervisor", "citizen"):
        r = post(client, f"{API}/{number}/reply", bearer(name), {"outcome": "ready"})
        assert r.status_code == 403 and r.json()["code"] == "role_not_allowed", name
    assert post(client, f"{API}/{number}/withdraw", bearer("reviewer")).status_code == 403
    r = post(client, f"{API}/{number}/withdraw", bearer("citizen"))
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
