from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from govhall.cases import actions, workflow
from govhall.cases.models import Case, IdempotencyRecord, State
from govhall.cases.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def post(client, url, headers, data=None, **extra):
    return client.post(url, data or {}, content_type="application/json", headers=headers, **extra)


def test_file_online_through_the_api(client, bearer, demo):
    citizen = bearer("citizen")
    r = post(client, "/api/v1/cases", citizen, {"item_code": f.FOOD, "form": {"经营者名称": "张明小吃店"}})
    assert r.status_code == 400 and r.json()["detail"] == {"经营场所": "必填"}
    r = post(client, "/api/v1/cases", citizen, {"item_code": f.FOOD, "form": f.FORMS[f.FOOD]})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "draft" and body["number"]
    number = body["number"]
    assert body["applicant"]["code"].count("*") >= 8  # ID masked
    assert "submit" in body["actions"]
    for item in body["checklist"]:
        if item["required"] and not item["supplied"]:
            r = client.post(
                f"/api/v1/cases/{number}/materials",
                {"requirement_id": item["requirement_id"], "file": f.pdf_upload()},
                headers=citizen,
            )
            assert r.status_code == 201, r.content
    r = post(client, f"/api/v1/cases/{number}/submit", citizen)
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "submitted"

    clerk = bearer("clerk")
    r = post(client, f"/api/v1/cases/{number}/transitions", clerk, {"action": "accept"})
    assert r.status_code == 200, r.content
    answer = r.json()  # the new state, the event and the documents this action produced
    assert answer["state"] == "accepted" and answer["version"] == 2 and answer["due_date"]
    assert answer["event"]["action"] == "accept" and answer["event"]["to_state"] == "accepted"
    assert "approve" not in answer["actions"] and "suspend" not in answer["actions"]  # the department's
    notice = next(d for d in answer["documents"] if d["kind"] == "acceptance_notice")
    detail = client.get(f"/api/v1/cases/{number}", headers=citizen).json()
    assert detail["deadline"]["due_date"] == answer["due_date"] and detail["deadline"]["remaining_workdays"] > 0
    assert not detail["deadline"]["paused"]
    assert [d["id"] for d in detail["documents"]] == [d["id"] for d in answer["documents"]]
    pdf = client.get(notice["download_url"], headers=citizen)
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    # not allowed in this state: 409 with a code; not allowed for the role: 403
    r = post(client, f"/api/v1/cases/{number}/transitions", clerk, {"action": "accept"})
    assert r.status_code == 409 and r.json()["code"] == "action_not_allowed"
    r = post(
        client, f"/api/v1/cases/{number}/transitions", clerk, {"action": "deny", "reason": "x", "legal_basis": "y"}
    )
    assert r.status_code == 403 and r.json()["code"] == "role_not_allowed"
    r = post(client, f"/api/v1/cases/{number}/transitions", clerk, {"action": "fly"})
    assert r.status_code == 400 and r.json()["code"] == "unknown_action"


def test_another_applicant_gets_404_everywhere(client, bearer, demo):
    case = f.accepted()
    doc = case.documents.first()
    material = case.materials.exclude(file="").first()
    other = bearer("citizen2")
    assert client.get(f"/api/v1/cases/{case.number}", headers=other).status_code == 404
    assert client.get(f"/api/v1/cases/{case.number}/documents/{doc.id}", headers=other).status_code == 404
    assert client.get(f"/api/v1/cases/{case.number}/materials/{material.id}/file", headers=other).status_code == 404
    r = post(client, f"/api/v1/cases/{case.number}/transitions", other, {"action": "withdraw"})
    assert r.status_code == 404
    r = client.post(
        f"/api/v1/cases/{case.number}/materials",
        {"requirement_id": material.requirement_id, "file": f.pdf_upload()},
        headers=other,
    )
    assert r.status_code == 404
    assert client.get("/api/v1/cases", headers=other).json()["count"] == 0
    # a department that is not the case's sees nothing either, anonymous gets 401
    assert client.get(f"/api/v1/cases/{case.number}").status_code == 401


def test_staff_scope(client, bearer, demo):
    case = f.submitted()
    eia = f.submitted(f.EIA, "company")
    numbers = lambda user: {c["number"] for c in client.get("/api/v1/cases", headers=bearer(user)).json()["results"]}  # noqa: E731
    assert {case.number, eia.number} <= numbers("clerk")
    assert case.number in numbers("approver") and eia.number not in numbers("approver")
    assert {case.number, eia.number} <= numbers("supervisor")
    assert numbers("assistant") == set()
    drafted = f.draft()
    assert drafted.number not in numbers("clerk")  # drafts stay the applicant's


def test_bad_upload_answers_clearly(client, bearer, demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = f.draft()
    rid = case.item.materials.filter(source="applicant").first().id
    r = client.post(
        f"/api/v1/cases/{case.number}/materials",
        {"requirement_id": rid, "file": SimpleUploadedFile("scan.pdf", b"just text pretending to be a pdf")},
        headers=bearer("citizen"),
    )
    assert r.status_code == 400
    assert r.json()["code"] == "unsupported_file_type"
    assert "PDF" in r.json()["message"]


def test_idempotent_retries_create_nothing_new(client, bearer, demo):
    citizen = {**bearer("citizen"), "Idempotency-Key": "create-1"}
    payload = {"item_code": f.FOOD, "form": f.FORMS[f.FOOD]}
    first = post(client, "/api/v1/cases", citizen, payload)
    again = post(client, "/api/v1/cases", citizen, payload)
    assert first.status_code == again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert Case.objects.filter(number=first.json()["number"]).count() == 1
    assert Case.objects.filter(filed_by__username="citizen").count() == 1
    reused = post(client, "/api/v1/cases", citizen, {"item_code": f.INSTANT})
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    # a transition retried
    case = f.submitted()
    clerk = {**bearer("clerk"), "Idempotency-Key": "accept-1"}
    url = f"/api/v1/cases/{case.number}/transitions"
    a, b = post(client, url, clerk, {"action": "accept"}), post(client, url, clerk, {"action": "accept"})
    assert a.status_code == b.status_code == 200 and a.json() == b.json()
    assert case.events.filter(action="accept").count() == 1
    # a failed request binds nothing: the same key may be retried after fixing the cause
    failing = {**bearer("citizen"), "Idempotency-Key": "submit-1"}
    draft = f.draft()
    assert post(client, f"/api/v1/cases/{draft.number}/submit", failing).status_code == 400
    assert not IdempotencyRecord.objects.filter(key="submit-1").exists()


def _queries(client, url, headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, headers=headers).status_code == 200
    return len(ctx.captured_queries)


def test_detail_runs_a_fixed_number_of_queries(client, bearer, demo):
    headers = bearer("clerk")
    short = f.accepted()
    long = f.accepted()
    for _ in range(6):
        f.act(long, "reviewer", "suspend", reason="现场核查")
        f.act(long, "reviewer", "resume")
    assert long.events.count() > short.events.count() + 10
    client.get(f"/api/v1/cases/{short.number}", headers=headers)  # the token's first use records last_used_at
    assert _queries(client, f"/api/v1/cases/{short.number}", headers) == _queries(
        client, f"/api/v1/cases/{long.number}", headers
    )


def test_list_runs_a_fixed_number_of_queries(client, bearer, demo):
    headers = bearer("supervisor")
    f.accepted()
    client.get("/api/v1/cases", headers=headers)  # the token's first use records last_used_at
    few = _queries(client, "/api/v1/cases", headers)
    for _ in range(5):
        f.act(f.accepted(), "reviewer", "suspend", reason="听证")
    assert _queries(client, "/api/v1/cases", headers) == few


def test_progress_query_is_public_and_masked(client, demo):
    case = f.submitted()
    r = client.get("/api/v1/progress", {"number": case.number, "phone_last4": "8000"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == "submitted" and body["applicant_name"] == "张*"
    assert "13800138000" not in r.content.decode()
    assert client.get("/api/v1/progress", {"number": case.number, "phone_last4": "1234"}).status_code == 404
    assert client.get("/api/v1/progress", {"number": "nope", "phone_last4": "8000"}).status_code == 404


def test_guessing_a_cases_phone_digits_locks_its_progress_query_for_the_guesser(client, demo):
    from govhall.cases.progress import PROGRESS_MISSES_PER_SOURCE

    case, other = f.submitted(), f.submitted()
    guesser = {"REMOTE_ADDR": "198.51.100.1"}
    for guess in range(PROGRESS_MISSES_PER_SOURCE):
        wrong = {"number": case.number, "phone_last4": f"{guess:04d}"}
        assert client.get("/api/v1/progress", wrong, **guesser).status_code == 404
    locked = client.get("/api/v1/progress", {"number": case.number, "phone_last4": "8000"}, **guesser)  # too late
    assert locked.status_code == 429 and locked.json()["code"] == "progress_locked"
    assert "张" not in locked.content.decode() and "state" not in locked.json()  # nothing of the case
    # Other cases answer as before. (The applicant elsewhere still gets theirs, and the page
    # answers alike: cases/tests/test_progress_limits.py.)
    assert client.get("/api/v1/progress", {"number": other.number, "phone_last4": "8000"}, **guesser).status_code == 200


# Each role against each action, on a case in the action's source state: 404 when the role
# cannot see the case, 403 when it sees it but the table does not give it the action,
# anything else (done, or a guard's 400/409) when it may.
USERS = ["citizen", "citizen2", "clerk", "reviewer", "approver", "supervisor", "assistant", "manager"]
USER_ROLES = {
    "citizen": {workflow.APPLICANT},
    "clerk": {"clerk"},
    "reviewer": {"reviewer"},
    "approver": {"chief_approver"},
    "supervisor": {"supervisor"},
    "manager": {"hall_manager"},
}
# The table lets a clerk approve, but the guard allows it only for instant items (即办件);
# the matrix's case is a committed item.
GUARDED_BY_ROLE = {("approve", "clerk")}
MATRIX = [
    (source.value, row.name, user)
    for row in actions.ROWS
    for source in row.sources
    if source.value in f.STATE_BUILDERS
    for user in USERS
]


@pytest.mark.parametrize(("state", "action", "username"), MATRIX)
def test_role_action_matrix(client, bearer, demo, state, action, username):
    case = f.STATE_BUILDERS[state]()
    row = actions.row_for(state, action)
    roles = USER_ROLES.get(username, set())
    sees = username in {"citizen", "supervisor", "clerk", "manager", "reviewer", "approver"} and (
        state != "draft" or username == "citizen"
    )
    body = {"action": action, **f.ACTION_PARAMS.get(action, {})}  # well-formed: the API checks the shape first
    r = post(client, f"/api/v1/cases/{case.number}/transitions", bearer(username), body)
    if not sees:
        assert r.status_code == 404, r.content
    elif not roles & set(row.roles) or (action, username) in GUARDED_BY_ROLE:
        assert r.status_code == 403, r.content
    else:
        assert r.status_code in (200, 400, 409), r.content
        assert r.json().get("code") not in {"role_not_allowed", "case_not_found"}


def test_review_through_the_api(client, bearer, demo):
    case = f.accepted()
    url = f"/api/v1/cases/{case.number}/transitions"
    assert client.get(f"/api/v1/cases/{case.number}", headers=bearer("approver")).json()["review"] is None
    r = post(client, url, bearer("reviewer"), {"action": "review", "recommendation": "deny"})
    assert r.status_code == 400 and r.json()["detail"]["field"] == "comment"
    r = post(client, url, bearer("reviewer"), {"action": "review", "recommendation": "deny", "comment": "场所不符"})
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    review = client.get(f"/api/v1/cases/{case.number}", headers=bearer("approver")).json()["review"]
    assert review["recommendation"] == "deny" and review["opinion"] == "场所不符" and review["reviewer"]
    assert review["unmet_points"] == case.item.review_points  # none ticked
    # the applicant sees that the case was reviewed, not the department's internal opinion
    mine = client.get(f"/api/v1/cases/{case.number}", headers=bearer("citizen")).json()
    assert mine["review"] is None
    assert [e["comment"] for e in mine["timeline"] if e["action"] == "review"] == [""]
    assert "场所不符" not in str(mine)


def test_extension_through_the_api(client, bearer, demo):
    case = f.accepted()
    approver, citizen = bearer("approver"), bearer("citizen")
    url = f"/api/v1/cases/{case.number}/transitions"
    r = post(client, url, approver, {"action": "extend", "days": 99, "reason": "专家论证"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_days" and r.json()["detail"]["max"] > 0
    r = post(client, url, approver, {"action": "extend", "days": 2, "reason": "专家论证"})
    assert r.status_code == 200, r.content
    answer = r.json()
    assert answer["state"] == "accepted" and "extend" not in answer["actions"]
    assert [d["kind"] for d in answer["documents"]] == ["extension_notice"]
    deadline = client.get(f"/api/v1/cases/{case.number}", headers=citizen).json()["deadline"]
    assert deadline["extended_workdays"] == 2 and deadline["limit_workdays"] == case.limit_workdays + 2
    assert deadline["due_date"] == answer["due_date"] > str(case.due_date)
    r = post(client, url, approver, {"action": "extend", "days": 1, "reason": "再延"})
    assert r.status_code == 409 and r.json()["code"] == "already_extended"


@pytest.mark.django_db(transaction=True)
def test_two_clerks_accepting_at_once_exactly_one_succeeds(demo, settings, tmp_path):
    from govhall.cases import services
    from govhall.core.errors import DomainError

    settings.MEDIA_ROOT = tmp_path
    case = f.submitted()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept():
        try:
            barrier.wait(timeout=10)
            services.case_transition(case=Case.objects.get(pk=case.pk), actor=f.user("clerk"), action="accept")
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["action_not_allowed", "ok"]
    case.refresh_from_db()
    assert case.state == State.ACCEPTED
    assert case.events.filter(action="accept").count() == 1


def test_create_answer_equals_a_fresh_read(client, bearer, demo):
    """The create answer is built from the rows the service just wrote; it must say exactly
    what a GET says, for a plain case and one with materials filled from the licence library."""
    first = f.act(f.approved(f.COMPANY, "company"), "clerk", "issue")
    assert first.licence_number
    company = bearer("company")
    for item_code in (f.FOOD, f.COMPANY):
        created = post(client, "/api/v1/cases", company, {"item_code": item_code, "form": f.FORMS[item_code]})
        assert created.status_code == 201, created.content
        fresh = client.get(f"/api/v1/cases/{created.json()['number']}", headers=company)
        assert created.json() == fresh.json()
        if item_code == f.FOOD:  # its 营业执照 comes from the library
            assert [m["source"] for m in created.json()["materials"]] == ["licence"]
            assert [e["action"] for e in created.json()["timeline"]] == ["create", "licence_reused"]


def test_actions_offered_leave_out_what_the_item_forbids(client, bearer, demo):
    eia = f.submitted(f.EIA, "company")  # no 容缺受理 on this item
    actions = client.get(f"/api/v1/cases/{eia.number}", headers=bearer("clerk")).json()["actions"]
    assert "accept" in actions and "accept_with_deferral" not in actions
    food = f.accepted()
    assert "approve" in client.get(f"/api/v1/cases/{food.number}", headers=bearer("approver")).json()["actions"]
    instant = f.accepted(f.INSTANT)
    assert "approve" in client.get(f"/api/v1/cases/{instant.number}", headers=bearer("clerk")).json()["actions"]


def test_confirming_deferred_materials_is_offered_once_one_has_arrived(client, bearer, demo):
    case = f.accepted_with_deferral()
    detail = lambda: client.get(f"/api/v1/cases/{case.number}", headers=bearer("reviewer")).json()  # noqa: E731
    assert "confirm_deferred" not in detail()["actions"]  # nothing to check yet
    requirement_id = case.deferrals.first().requirement_id
    r = client.post(
        f"/api/v1/cases/{case.number}/materials",
        {"requirement_id": requirement_id, "file": f.pdf_upload()},
        headers=bearer("citizen"),
    )
    assert r.status_code == 201
    assert "confirm_deferred" in detail()["actions"]
    answer = post(
        client, f"/api/v1/cases/{case.number}/transitions", bearer("reviewer"), {"action": "confirm_deferred"}
    )
    assert answer.status_code == 200 and answer.json()["event"]["action"] == "confirm_deferred"
    assert ("confirm_deferred" in answer.json()["actions"]) == case.deferrals.filter(status="received").exists()
