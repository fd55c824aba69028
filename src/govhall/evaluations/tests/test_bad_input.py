"""Bad input gets a clear, specific answer, never a 500."""

from __future__ import annotations

import pytest
from conftest import login

from govhall.evaluations.models import Evaluation
from govhall.evaluations.tests import helpers as h
from govhall.evaluations.views import SCREEN_COOKIE

pytestmark = pytest.mark.django_db


def test_pages_take_garbage_calmly(demo, client):
    case = h.issued()
    task = h.evaluate(h.issued(), 1).callback_task
    login(client, "citizen")
    for form in (
        {},
        {"level": "abc"},
        {"level": "9"},
        {"level": "5", "i_overall": "x"},
        {"level": "5", "comment": "长" * 600},
    ):
        response = client.post(f"/evaluations/case/{case.number}/", form)
        assert response.status_code == 400, form
        assert "评价未提交" in response.content.decode()
    assert client.post(f"/evaluations/mine/{task.evaluation_id}/follow-up/", {"comment": ""}).status_code == 302
    assert client.post(f"/evaluations/tasks/{task.pk}/respond/", {"answer": "??"}).status_code == 302
    assert client.get("/evaluations/case/%00/").status_code in (400, 404)
    client.logout()
    login(client, "reviewer")
    for form in (
        {},
        {"step": "callback", "method": "x", "outcome": "y", "summary": ""},
        {"step": "rectify", "responsible_staff_id": "abc"},
        {"step": "nonsense"},
    ):
        assert client.post(f"/evaluations/tasks/{task.pk}/", form).status_code in (400, 409), form
    assert client.get("/evaluations/tasks/?state=bogus").status_code == 200
    client.logout()
    login(client, "manager")
    for form in ({"window": "abc"}, {"window": "99999999999999999999"}, {"action": "revoke", "device": "x"}):
        assert client.post("/evaluations/devices/", form).status_code == 404, form


def test_the_screen_takes_garbage_calmly(demo, client):
    _, secret = h.paired_window()
    client.cookies[SCREEN_COOKIE] = "garbage" * 50
    assert client.get("/evaluations/screen/").status_code == 302
    client.cookies[SCREEN_COOKIE] = secret
    case = h.accepted()
    from govhall.evaluations import services

    services.screen_request(actor=h.user("clerk"), case=case)
    for form in ({"case": "abc"}, {"case": case.pk, "level": "x"}, {"case": case.pk, "level": 5}):
        assert client.post("/evaluations/screen/", form).status_code in (400, 409), form
    assert not Evaluation.objects.exists()


def test_the_api_takes_garbage_calmly(demo, client):
    case = h.issued()
    login(client, "citizen")
    base = "/api/v1/evaluations"
    for body in ("not json", '{"level": 5}', '{"level": 5, "indicators": {"overall": "x"}}', "[]"):
        response = client.post(f"{base}/cases/{case.number}", body, content_type="application/json")
        assert response.status_code in (400, 422) and "code" in response.json(), body
    assert client.get(f"{base}/tasks", {"state": "bogus"}).status_code in (400, 401, 403, 422)
    assert client.get(f"{base}/tasks/abc").status_code in (404, 422)
