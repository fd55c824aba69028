"""告知承诺事后核查 recorded by a department reviewer, end to end: the check stands, the chief
approver decides the revocation (API and pages agree with the table)."""

from __future__ import annotations

import pytest
from conftest import login

from govhall.cases import actions, selectors
from govhall.cases.models import Commitment, State
from govhall.cases.tests import factories as f
from govhall.licences.selectors import licence_get

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def issued_on_commitment():
    case = f.act(f.accepted(), "approver", "approve", commitment="本人承诺具备与经营项目相适应的场所和设备。")
    return f.act(case, "clerk", "issue")


def post(client, url, headers, data):
    return client.post(url, data, content_type="application/json", headers=headers)


def test_a_reviewer_records_a_failed_check_through_the_api_and_the_chief_revokes(client, bearer, demo):
    case = issued_on_commitment()
    reviewer, approver = bearer("reviewer"), bearer("approver")
    detail = lambda who: client.get(f"/api/v1/cases/{case.number}", headers=who).json()  # noqa: E731
    assert "verify_commitment" in detail(reviewer)["actions"]
    r = post(client, f"/api/v1/cases/{case.number}/verification", reviewer, {"passed": False, "comment": ""})
    assert r.status_code == 400 and r.json()["detail"]["field"] == "comment"
    r = post(
        client,
        f"/api/v1/cases/{case.number}/verification",
        reviewer,
        {"passed": False, "comment": "现场核查：无经营场所"},
    )
    assert r.status_code == 200, r.content
    answer = r.json()
    assert answer["state"] == State.ISSUED  # recorded, not revoked: the revocation is the chief's
    assert [c["verification"] for c in answer["commitments"] if c["kind"] == "notify_commit"] == ["failed"]
    assert "verify_commitment" not in answer["actions"] and "revoke" not in answer["actions"]
    assert licence_get(case.licence_number).status == "valid"
    event = answer["timeline"][-1]
    assert (event["action"], event["actor_role"], event["to_state"]) == ("commitment_verified", "reviewer", "issued")
    # the chief approver finds it in 待撤销 and revokes
    assert case.pk in set(selectors.queue(f.user("approver"), "revocation").values_list("pk", flat=True))
    assert "revoke" in detail(approver)["actions"]
    r = post(
        client, f"/api/v1/cases/{case.number}/transitions", approver, {"action": "revoke", "reason": "告知承诺核查不实"}
    )
    assert r.status_code == 200 and r.json()["state"] == State.REVOKED
    assert licence_get(case.licence_number).status == "revoked"
    assert not selectors.queue(f.user("approver"), "revocation").filter(pk=case.pk).exists()
    # nothing left to check, through either door
    r = post(client, f"/api/v1/cases/{case.number}/verification", reviewer, {"passed": True, "comment": "x"})
    assert r.status_code == 409 and r.json()["code"] == "action_not_allowed"


def test_a_reviewer_records_a_failed_check_on_the_page_and_the_chief_revokes(client, demo):
    case = issued_on_commitment()
    url = f"/cases/{case.number}/"
    login(client, "reviewer")
    page = client.get(url).content.decode()
    assert 'id="act-verify_commitment"' in page and 'id="act-revoke"' not in page
    response = client.post(f"/cases/{case.number}/verify/", {"passed": "no", "comment": "现场核查：无经营场所"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.ISSUED
    assert case.commitments.get(kind=Commitment.Kind.NOTIFY_COMMIT).verification == "failed"
    page = client.get(url).content.decode()
    assert "待首席审批员决定撤销" in page and 'id="act-verify_commitment"' not in page
    login(client, "approver")
    workbench = client.get("/workbench/?queue=revocation").content.decode()
    assert "待撤销" in workbench and case.number in workbench
    page = client.get(url).content.decode()
    # the revocation form opens first, its reason taken from the check
    assert '<details class="action danger" id="act-revoke" open>' in page
    assert "告知承诺核查不实：现场核查：无经营场所" in page
    response = client.post(
        f"/cases/{case.number}/act/",
        {"action": "revoke", "version": case.version, "reason": "告知承诺核查不实：现场核查：无经营场所"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.REVOKED


def test_the_chief_approvers_failed_check_revokes_at_once(demo):
    case = issued_on_commitment()
    case = f.act(case, "approver", "verify_commitment", comment="核查不实", passed=False)
    assert case.state == State.REVOKED and licence_get(case.licence_number).status == "revoked"
    assert case.decision_reason == "告知承诺核查不实：核查不实"


def test_page_api_and_table_agree_on_who_checks(demo):
    row = actions.row_for(State.ISSUED, "verify_commitment")
    assert set(row.roles) == {"reviewer", "chief_approver"}
    case = issued_on_commitment()
    for username, offered in [("reviewer", True), ("approver", True), ("clerk", False), ("citizen", False)]:
        roles = selectors.actor_roles(f.user(username), case)
        assert ("verify_commitment" in actions.offered(case, roles)) == offered, username
