"""Bad input answers a clear error, never a server error: odd Unicode (right-to-left marks,
combining accents, emoji, digits that are not ASCII), huge numbers, positions off the globe,
an empty address, on the finder and on every stations form and API body. The API answers
``{code, message}`` (422 ``validation_error`` for what its schema refuses); pages answer 400
with the form and the reason, 403/404 for what the visitor may not do."""

from __future__ import annotations

import json

import pytest
from conftest import login

from govhall.stations.models import AssistRequest, KeyProject
from govhall.stations.tests.helpers import user

pytestmark = pytest.mark.django_db

JSON = "application/json"
HUGE = "9" * 30
ODD = "\u202e\u0301😀\u3000"  # right-to-left override, a lone combining accent, emoji, ideographic space


@pytest.fixture
def world(places):
    from govhall.stations.demo import load

    load()
    return {
        "zhang": AssistRequest.objects.get(applicant__user__username="citizen", station__code="bym-community"),
        "new": AssistRequest.objects.get(status="new"),
        "project": KeyProject.objects.get(),
    }


# --------------------------------------------------------------------------- the finder


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"lat": "91", "lng": "108.9"}, "位置无效"),
        ({"lat": "nan", "lng": "nan"}, "位置无效"),
        ({"lat": "inf", "lng": "108.9"}, "位置无效"),
        ({"lat": "1e999", "lng": "1"}, "位置无效"),
        ({"lat": HUGE, "lng": HUGE}, "位置无效"),
        ({"lat": "34.26"}, "位置无效"),  # half a position
        ({"lat": "３４.２６", "lng": "１０８.９４"}, None),  # full-width digits: Python reads them; a real position
        ({"lat": ODD, "lng": ODD}, "位置无效"),
        ({"address": ""}, "请输入地址"),
        ({"address": "   "}, "请输入地址"),
        ({"address": ODD * 30}, "未能识别该地址"),
        ({"address": "x" * 5000}, "未能识别该地址"),
        ({"address": "\x00"}, None),  # the request guard's 400
        ({"place": "火星"}, "请从列表中选择地点"),
    ],
)
def test_the_finder_page(client, places, query, says):
    response = client.get("/stations/", query)
    html = response.content.decode()
    if says is None and query.get("address") == "\x00":
        assert response.status_code == 400
        return
    if says is None:
        assert response.status_code == 200 and "离“您的当前位置”最近的服务点" in html
        return
    assert response.status_code == 400 and says in html
    assert 'role="alert"' in html and "data-point=" in html  # the reason, and still the list


def test_the_finder_page_without_a_query_lists_everything(client, places):
    response = client.get("/stations/")
    assert response.status_code == 200 and "全部服务点" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"lat": 91, "lng": 0}, 422, "validation_error"),
        ({"lat": "nan", "lng": "nan"}, 422, "validation_error"),
        ({"lat": "1e999", "lng": 1}, 422, "validation_error"),
        ({"lat": HUGE, "lng": HUGE}, 422, "validation_error"),
        ({"lat": ODD, "lng": 1}, 422, "validation_error"),
        ({"lat": 34.26}, 400, "invalid_position"),
        ({"lng": 108.94}, 400, "invalid_position"),
        ({"address": "   "}, 400, "address_not_found"),
        ({"address": ODD}, 400, "address_not_found"),
        ({"address": "x" * 201}, 422, "validation_error"),
        ({"address": "\x00"}, 400, "invalid_text"),
        ({"kind": ODD}, 422, "validation_error"),
        ({"limit": HUGE}, 422, "validation_error"),
        ({"limit": 0}, 422, "validation_error"),
    ],
)
def test_the_finder_api(client, places, query, status, code):
    response = client.get("/api/v1/stations/nearby", query)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.json()["message"]


@pytest.mark.parametrize("code", [ODD, "a" * 5000, HUGE, "..", "%2e%2e"])
def test_odd_station_codes(client, places, code):
    assert client.get(f"/stations/{code}/").status_code == 404
    response = client.get(f"/api/v1/stations/{code}")
    assert (response.status_code, response.json()["code"]) == (404, "station_not_found")


# --------------------------------------------------------------------------- the API's bodies


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type=JSON)


def test_assist_api_bodies(client, world):
    zhang, new = world["zhang"], world["new"]
    login(client, "citizen")
    cases = [
        ({"description": ODD}, 201, None),  # odd but printable: kept as written
        ({"description": " \u3000 "}, 400, "missing_field"),
        ({"description": "x" * 1001}, 422, "validation_error"),
        ({"description": "x", "contact_phone": "abc"}, 400, "invalid_phone"),
        ({"description": "x", "contact_phone": "１３８１２３４５６７８"}, 400, "invalid_phone"),
        ({"description": "x", "item_codes": ["a"] * 21}, 422, "validation_error"),
        ({"description": "x", "item_codes": [ODD]}, 400, "item_not_found"),
        ({"description": "x", "station_code": ODD}, 404, "station_not_found"),
        ({"description": "x", "applicant_id": int(HUGE)}, 404, "applicant_not_found"),
        ({"description": "x", "mode": ODD}, 422, "validation_error"),
    ]
    for body, status, code in cases:
        response = _post(client, "/api/v1/assist/requests", body)
        assert response.status_code == status, (body, response.content)
        if code:
            assert response.json()["code"] == code, body
    login(client, "manager")
    url = f"/api/v1/assist/requests/{new.number}/transitions"
    for body, status, code in [
        ({"action": "assign", "assistant_id": int(HUGE)}, 400, "not_an_assistant"),
        ({"action": "assign", "assistant_id": -1}, 400, "not_an_assistant"),
        ({"action": "auto_assign", "expected_version": int(HUGE)}, 409, "stale_version"),
        ({"action": ODD}, 422, "validation_error"),
        ({"action": "cancel", "comment": "\x07"}, 400, "invalid_text"),
    ]:
        response = _post(client, url, body)
        assert (response.status_code, response.json()["code"]) == (status, code), body
    for verb in ("confirm", "sign", "revoke"):
        response = client.post(f"/api/v1/assist/authorisations/{HUGE}/{verb}")
        assert (response.status_code, response.json()["code"]) == (404, "authorisation_not_found")
        assert client.post(f"/api/v1/assist/authorisations/{ODD}/{verb}").status_code == 422
    login(client, "assistant3")
    base = f"/api/v1/assist/requests/{zhang.number}"
    item = zhang.item_codes[0]
    for path, body, status, code in [
        ("authorisation", {"valid_until": "9999-12-31"}, 400, "invalid_period"),
        ("authorisation", {"valid_until": "2000-01-01"}, 400, "invalid_period"),
        ("authorisation", {"valid_until": ODD}, 422, "validation_error"),
        ("cases", {"item_code": ODD}, 404, "item_not_found"),
        ("cases", {"item_code": item, "situation_answers": {"1": int(HUGE)}}, 400, "invalid_situation_answer"),
        ("cases", {"item_code": item, "situation_answers": {ODD: 1}}, 400, "invalid_situation_answer"),
        ("cases", {"item_code": item, "form": {"x" * 100: "y" * 100_000}}, 400, "invalid_form"),
        ("links", {"case_number": ODD}, 404, "case_not_found"),
        ("links", {"case_number": HUGE}, 404, "case_not_found"),
    ]:
        response = _post(client, f"{base}/{path}", body)
        assert (response.status_code, response.json()["code"]) == (status, code), (path, body)
    for query in ({"page": HUGE}, {"page": 0}, {"status": ODD}, {"page_size": 1000}):
        response = client.get("/api/v1/assist/requests", query)
        assert (response.status_code, response.json()["code"]) == (422, "validation_error"), query
    assert client.get(f"/api/v1/assist/requests/{ODD}").status_code == 404


def test_project_api_bodies(client, world):
    project = world["project"]
    login(client, "manager")
    good = {"code": "plant2", "name": "x", "company_uscc": project.company.uscc, "assistant_id": project.assistant_id}
    for change, status, code in [
        ({"assistant_id": int(HUGE)}, 400, "not_an_assistant"),
        ({"investment": HUGE}, 422, "validation_error"),
        ({"investment": "NaN"}, 422, "validation_error"),
        ({"company_uscc": ODD}, 400, "company_not_found"),
        ({"code": ODD}, 422, "validation_error"),
        ({"name": ODD * 100}, 422, "validation_error"),
        ({"target_date": "99999-01-01"}, 422, "validation_error"),
    ]:
        response = _post(client, "/api/v1/projects", {**good, **change})
        assert (response.status_code, response.json()["code"]) == (status, code), change
    login(client, "assistant")
    for path, body, status, code in [
        ("cases", {"item_code": ODD}, 404, "item_not_found"),
        ("links", {"case_number": ODD}, 404, "case_not_found"),
    ]:
        response = _post(client, f"/api/v1/projects/{project.code}/{path}", body)
        assert (response.status_code, response.json()["code"]) == (status, code), body
    assert client.get(f"/api/v1/projects/{ODD}").status_code == 404


# --------------------------------------------------------------------------- the pages' forms


def test_page_forms(client, world):
    zhang, new, project = world["zhang"], world["new"], world["project"]
    login(client, "manager")
    for data, status in [
        ({"action": "assign", "assistant": HUGE}, 400),
        ({"action": "assign", "assistant": "²"}, 400),  # str.isdigit() says yes, int() says no
        ({"action": "assign", "assistant": "١"}, 400),  # an Arabic-Indic one: not user 1
        ({"action": "auto_assign", "version": "²"}, 302),  # not a version: none checked
        ({"action": "auto_assign", "version": HUGE}, 409),
        ({"action": ODD}, 400),
    ]:
        fresh = AssistRequest.objects.get(pk=new.pk)
        response = client.post(f"/assist/requests/{fresh.number}/act/", data)
        assert response.status_code == status, (data, response.status_code)
    for data in ({"action": "revoke", "authorisation": "١"}, {"action": "sign", "authorisation": "²"}):
        response = client.post("/assist/authorisations/", data)
        assert response.status_code == 400 and "请求无效" in response.content.decode(), data
    assert zhang.authorisation.__class__.objects.get(pk=zhang.authorisation_id).revoked_at is None
    response = client.post("/assist/authorisations/", {"action": "sign", "authorisation": HUGE})
    assert response.status_code == 400  # longer than any id
    response = client.post("/assist/authorisations/", {"action": "sign", "authorisation": "9" * 18})
    assert response.status_code == 404
    base = {"code": "plant3", "name": "x", "uscc": project.company.uscc, "assistant": str(project.assistant_id)}
    for change in (
        {"assistant": "²"},
        {"assistant": HUGE},
        {"investment": "NaN"},
        {"investment": "Infinity"},
        {"investment": "1e99"},
        {"investment": ODD},
        {"target_date": "99999-01-01"},
        {"code": ODD},
        {"name": "x" * 500},
    ):
        response = client.post("/assist/projects/", {**base, **change})
        assert response.status_code == 400 and 'id="page-error"' in response.content.decode(), change
    assert client.get("/assist/", {"page": HUGE}).status_code == 200
    assert client.get("/assist/", {"q": ODD * 100, "status": ODD}).status_code == 200
    login(client, "assistant3")
    for data in ({"valid_until": "9999-12-31"}, {"valid_until": "²"}, {"valid_until": "2030-01-01", "items": [ODD]}):
        response = client.post(f"/assist/requests/{zhang.number}/authorisation/", data)
        assert response.status_code == 400 and 'id="page-error"' in response.content.decode(), data
    assert client.get(f"/assist/requests/{zhang.number}/file/", {"item": ODD}).status_code == 200
    assert client.post(f"/assist/requests/{zhang.number}/link/", {"case_number": ODD}).status_code == 404
    login(client, "citizen")
    for data in (
        {"description": "x", "phone": ODD},
        {"description": "x", "items": [ODD] * 30},
        {"description": "x", "mode": ODD},
        {"description": "x", "station": ODD},
        {"description": ""},
    ):
        response = client.post("/assist/new/", data)
        assert response.status_code == 400 and 'role="alert"' in response.content.decode(), data
    login(client, "assistant4")
    for data in (
        {"station": "xdj-street", "kind": ODD, "code": "x", "description": "x"},
        {"station": "xdj-street", "kind": "natural", "code": HUGE, "name": "x", "description": "x"},
        {"station": "xdj-street", "kind": "legal", "code": "9" * 18, "name": ODD, "description": "x"},
    ):
        response = client.post("/assist/station/", data)
        assert response.status_code == 400 and 'role="alert"' in response.content.decode(), data
    assert client.get(f"/assist/requests/{ODD}/").status_code == 404
    assert client.get(f"/assist/projects/{ODD}/").status_code == 404
    assert user("assistant4").is_active
