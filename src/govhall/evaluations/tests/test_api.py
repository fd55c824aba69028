"""The evaluation API: structured errors, authorisation of every operation, no update or
delete."""

from __future__ import annotations

import pytest
from conftest import login

from govhall.accounts.models import Hall
from govhall.evaluations.models import CallbackTask, Evaluation
from govhall.evaluations.tests import helpers as h

pytestmark = pytest.mark.django_db

BASE = "/api/v1/evaluations"


def _post(client, path, body):
    return client.post(f"{BASE}{path}", body, content_type="application/json")


def _body(level=5, comment="", **kw):
    return {"level": level, "indicators": dict.fromkeys(h.ONLINE, level), "comment": comment, **kw}


def test_submit_and_read_a_case_evaluation(demo, client):
    case = h.issued()
    assert client.get(f"{BASE}/mine").json()["code"] == "unauthenticated"
    login(client, "citizen")
    created = _post(client, f"/cases/{case.number}", _body(4, channel="SMS"))
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["level"], data["level_label"], data["channel"], data["case_number"]) == (4, "满意", "SMS", case.number)
    again = _post(client, f"/cases/{case.number}", _body(1, "重复"))
    assert again.status_code == 409 and again.json()["code"] == "already_evaluated"
    assert client.get(f"{BASE}/cases/{case.number}").json()["id"] == data["id"]
    assert [e["id"] for e in client.get(f"{BASE}/mine").json()] == [data["id"]]
    follow = _post(client, f"/{data['id']}/follow-up", {"comment": "证照已收到"})
    assert follow.status_code == 201 and follow.json()["follow_up"]["comment"] == "证照已收到"


def test_there_is_no_update_nor_delete(demo, client):
    evaluation = h.evaluate(h.issued())
    login(client, "citizen")
    for method in (client.put, client.patch, client.delete):
        response = method(f"{BASE}/{evaluation.pk}", {"level": 1}, content_type="application/json")
        assert response.status_code in (404, 405)
    response = client.put(
        f"{BASE}/cases/{evaluation.case.number}", _body(1, "改成差评"), content_type="application/json"
    )
    assert response.status_code == 405
    assert Evaluation.objects.get().level == 5


def test_errors_are_structured(demo, client):
    case = h.issued()
    login(client, "citizen")
    bad = _post(client, f"/cases/{case.number}", {"level": 9, "indicators": {}})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_level"
    missing = _post(client, f"/cases/{case.number}", _body(2))
    assert missing.json()["code"] == "comment_required" and missing.json()["detail"]["comment"]
    assert _post(client, f"/cases/{case.number}", {"level": "x"}).status_code == 422
    assert _post(client, "/cases/NOPE", _body()).json()["code"] == "case_not_found"
    not_yet = _post(client, f"/cases/{h.accepted().number}", _body())
    assert not_yet.status_code == 409 and not_yet.json()["code"] == "not_concluded"
    assert client.get(f"{BASE}/cases/{case.number}").json()["code"] == "evaluation_not_found"


def test_another_applicant_learns_nothing(demo, client):
    evaluation = h.evaluate(h.issued(), 1)
    task = evaluation.callback_task
    login(client, "citizen2")
    assert _post(client, f"/cases/{evaluation.case.number}", _body()).status_code == 404
    assert client.get(f"{BASE}/cases/{evaluation.case.number}").status_code == 404
    assert client.get(f"{BASE}/mine").json() == []
    assert _post(client, f"/{evaluation.pk}/follow-up", {"comment": "冒充追评"}).status_code == 404
    assert client.get(f"{BASE}/tasks/{task.pk}").status_code == 404
    assert client.get(f"{BASE}/tasks").json() == []
    assert _post(client, f"/tasks/{task.pk}/response", {"confirm": True}).status_code == 404


def test_the_department_works_the_task_through_the_api(demo, client):
    evaluation = h.evaluate(h.issued(), 1)
    task = evaluation.callback_task
    login(client, "reviewer")
    listed = client.get(f"{BASE}/tasks", {"state": "pending_callback"}).json()
    assert [t["id"] for t in listed] == [task.pk]
    early = _post(client, f"/tasks/{task.pk}/close", {"note": "直接办结"})
    assert early.status_code == 409 and early.json()["code"] == "wrong_task_state"
    done = _post(
        client, f"/tasks/{task.pk}/callback", {"method": "phone", "outcome": "reached", "summary": "已电话回访"}
    )
    assert done.status_code == 201 and done.json()["state"] == "pending_rectification"
    fixed = _post(
        client,
        f"/tasks/{task.pk}/rectification",
        {
            "cause": "staff",
            "measures": "约谈窗口人员",
            "responsible_staff_id": h.user("clerk").pk,
            "accountability": "通报批评",
        },
    )
    assert fixed.status_code == 201 and fixed.json()["rectifications"][0]["responsible_staff"] == "王芳"
    closed = _post(client, f"/tasks/{task.pk}/close", {"note": "已整改并向申请人说明"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    client.logout()
    login(client, "citizen")
    seen = client.get(f"{BASE}/tasks/{task.pk}").json()
    assert seen["rectifications"][0]["responsible_staff"] is None  # not for the applicant
    contested = _post(client, f"/tasks/{task.pk}/response", {"confirm": False, "comment": "仍未解决"})
    assert contested.json()["state"] == "pending_rectification"
    assert CallbackTask.objects.get().reopened_count == 1


def test_others_cannot_work_the_task(demo, client):
    task = h.evaluate(h.issued(), 1).callback_task
    body = {"method": "phone", "outcome": "reached", "summary": "已电话回访"}
    login(client, "supervisor")
    assert [t["id"] for t in client.get(f"{BASE}/tasks").json()] == [task.pk]  # sees all in scope
    refused = _post(client, f"/tasks/{task.pk}/callback", body)
    assert refused.status_code == 403 and refused.json()["code"] == "not_department"
    client.logout()
    client.force_login(h.other_department_reviewer())
    assert _post(client, f"/tasks/{task.pk}/callback", body).status_code == 404
    assert client.get(f"{BASE}/tasks").json() == []
    assert CallbackTask.objects.get().state == "pending_callback"


def test_item_and_staff_evaluations(demo, client):
    case = h.issued()
    login(client, "citizen")
    item = _post(client, f"/items/{case.item.code}", _body(3))
    assert item.status_code == 201 and item.json()["subject"] == "item"
    staff_body = {"level": 5, "indicators": dict.fromkeys(h.WINDOW, 5)}
    assert _post(client, f"/staff/{h.user('reviewer').pk}", staff_body).status_code == 201
    # a general window's clerk belongs to no department: the body running the hall answers
    clerk = _post(client, f"/staff/{h.user('clerk').pk}", staff_body)
    assert clerk.status_code == 201 and clerk.json()["department"] == "西安市莲湖区行政审批服务局", clerk.json()
    Hall.objects.update(department=None)  # a hall nobody is named to run: nobody to answer
    assert _post(client, f"/staff/{h.user('clerk').pk}", staff_body).json()["code"] == "staff_without_department"
    assert _post(client, f"/staff/{h.user('citizen2').pk}", staff_body).json()["code"] == "staff_not_found"
    assert _post(client, "/items/NOPE", _body()).json()["code"] == "item_not_found"


def test_public_figures_need_no_sign_in_and_carry_no_personal_data(demo, client):
    evaluation = h.evaluate(h.issued(), 1, comment="张明的电话13800138000")
    data = client.get(f"{BASE}/public").json()
    assert data["total"] == {"name": "合计", "code": "", "total": 1, "good": 0, "bad": 1, "rate": "0.0%"}
    text = str(data)
    for private in (evaluation.case.number, "张明", "13800138000", evaluation.applicant.id_number):
        assert private not in text


def test_staff_list_the_evaluations_of_their_scope(demo, client):
    bad, good = h.evaluate(h.issued(), 1), h.evaluate(h.issued(), 5)
    login(client, "reviewer")
    assert [e["id"] for e in client.get(BASE).json()] == [good.pk, bad.pk]
    assert [e["id"] for e in client.get(BASE, {"bad": "true"}).json()] == [bad.pk]
    client.logout()
    client.force_login(h.other_department_reviewer())
    assert client.get(BASE).json() == []
    client.logout()
    login(client, "citizen")  # an applicant has /mine, not the staff list
    assert client.get(BASE).json() == []
