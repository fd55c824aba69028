"""Bad input gets a clear, specific error at the door and never a server error (issue 13):
text that cannot be stored and printed, oversized and unparsable bodies, absurd page
numbers, and the OpenAPI document holds the answers to its word."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest
from conftest import login

from govhall.api import api
from govhall.cases.models import Case
from govhall.cases.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def answering(client):
    """The client as a browser sees the server: a server error is an answer, not an exception."""
    client.raise_request_exception = False
    return client


def conforms(body, schema_name: str) -> None:
    """``body`` is valid under the committed document's component ``schema_name``."""
    document = api.get_openapi_schema()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    errors = [str(e) for e in jsonschema_rs.validator_for(schema).iter_errors(body)]
    assert not errors, errors[:3]


def test_a_lone_surrogate_in_a_form_field_is_refused_at_the_door(answering, bearer, demo):
    """The issue's first finding: it was accepted (201), then the case page answered 500 to
    everyone and issuing failed in the licence's content hash."""
    body = '{"item_code": "' + f.FOOD + '", "form": {"经营者名称": "\\ud800坏"}}'
    r = answering.post("/api/v1/cases", body, content_type="application/json", headers=bearer("citizen"))
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "invalid_text" and r.json()["detail"] == {"field": "form.经营者名称"}
    assert "代理码位" in r.json()["message"]
    conforms(r.json(), "ErrorOut")
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        '{"item_code": "\\udfff"}',
        '{"item_code": "a\\u0000b"}',
        '{"\\ud800": 1, "item_code": "x"}',
        '{"item_code": "x\\u001b"}',
    ],
)
def test_unusable_text_anywhere_in_a_json_body_is_refused(answering, bearer, demo, body):
    r = answering.post("/api/v1/cases", body, content_type="application/json", headers=bearer("citizen"))
    assert r.status_code == 400 and r.json()["code"] == "invalid_text", r.content


def test_tabs_and_line_breaks_are_text(answering, bearer, demo):
    form = {**f.FORMS[f.FOOD], "申请事项说明": "第一行\n第二行\t说明\r\n"}
    r = answering.post(
        "/api/v1/cases",
        json.dumps({"item_code": f.FOOD, "form": form}),
        content_type="application/json",
        headers=bearer("citizen"),
    )
    assert r.status_code == 201, r.content


@pytest.mark.parametrize(
    "url", ["/api/v1/catalog/items?q=%00", "/api/v1/cases/%00", "/api/v1/progress?number=1%00&phone_last4=1234"]
)
def test_a_nul_in_the_address_is_refused_with_json(answering, bearer, demo, url):
    r = answering.get(url, headers=bearer("citizen"))
    assert r.status_code == 400 and r.json()["code"] == "invalid_text", r.content


def test_a_control_character_in_a_page_form_gets_a_chinese_page(answering, demo):
    case = f.submitted()
    login(answering, "clerk")
    r = answering.post(f"/cases/{case.number}/act/", {"action": "reject", "reason": "理由\x00", "legal_basis": "x"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "请求未能处理" in html and "控制字符" in html and "reason" in html
    case.refresh_from_db()
    assert case.state == "submitted"
    r = answering.get("/items/", {"q": "营业\x00执照"})
    assert r.status_code == 400 and "控制字符" in r.content.decode()


def test_a_file_names_control_characters_never_reach_the_database(answering, bearer, demo):
    case = f.draft()
    requirement = f.selectors.required_materials(case)[0]
    r = answering.post(
        f"/api/v1/cases/{case.number}/materials",
        {"requirement_id": requirement.id, "file": f.pdf_upload("材料\x07\x00.pdf")},
        headers=bearer("citizen"),
    )
    assert r.status_code == 201, r.content  # Django's parser drops what cannot be printed
    assert r.json()["original_name"] == "材料.pdf"


def test_oversized_and_unparsable_bodies_answer_json(answering, bearer, demo, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    headers = bearer("citizen")
    r = answering.post("/api/v1/cases", "x" * 4096, content_type="application/json", headers=headers)
    assert r.status_code == 413 and r.json()["code"] == "request_too_large", r.content
    r = answering.post("/accounts/login/", {"username": "x" * 4096, "password": "y"})
    assert r.status_code == 413 and "请求内容过大" in r.content.decode()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
    # a part header longer than Django accepts (a 5,000-character file name)
    body = (
        '--xyz\r\nContent-Disposition: form-data; name="file"; filename="' + "a" * 5000 + '.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--xyz--\r\n"
    ).encode()
    r = answering.post(
        "/api/v1/cases/0/materials", body, content_type="multipart/form-data; boundary=xyz", headers=headers
    )
    assert r.status_code == 400 and r.json()["code"] == "bad_request", r.content
    r = answering.post(
        "/api/v1/cases/0/materials", b"", content_type="multipart/form-data; boundary=xyz", headers=headers
    )
    assert r.status_code in (400, 422) and r.json()["code"] in ("bad_request", "validation_error"), r.content
    # a form sent where a JSON body is expected: the form was parsed at the door, and the
    # operation still reads the body (before: 500 RawPostDataException)
    r = answering.post("/api/v1/cases", {"item_code": "x"}, headers=headers)
    assert r.status_code == 400 and r.json()["code"] == "unparsable_body", r.content


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/catalog/items?page=100000000000000000000",
        "/api/v1/cases?page=100000000000000000000",
        "/api/v1/cases?page_size=null",
        "/api/v1/catalog/items?page_size=1000",
    ],
)
def test_absurd_pages_are_validation_errors(answering, bearer, demo, url):
    r = answering.get(url, headers=bearer("citizen"))
    assert r.status_code == 422 and r.json()["code"] == "validation_error", r.content
    conforms(r.json(), "ErrorOut")


def test_absurd_pages_on_the_pages_show_the_last_page(answering, demo):
    assert answering.get("/items/", {"page": "100000000000000000000"}).status_code == 200
    login(answering, "citizen")
    assert answering.get("/cases/mine/", {"page": "100000000000000000000"}).status_code == 200


def test_the_item_detail_conforms_to_its_own_document(client, demo):
    """Two schemas were both named MaterialOut (catalogue and cases): the catalogue's item
    detail failed validation against the document."""
    body = client.get(f"/api/v1/catalog/items/{f.FOOD}").json()
    conforms(body, "ItemGuideOut")
    names = list(api.get_openapi_schema()["components"]["schemas"])
    assert "CaseMaterialOut" in names and "MaterialOut" in names


def test_every_operation_documents_its_errors():
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            responses = {int(status) for status in operation["responses"]}
            assert 400 in responses, (method, path)
            if operation.get("security"):
                assert {401, 403} <= responses, (method, path)
            if "{" in path:
                assert 404 in responses, (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert 422 in responses, (method, path)


def test_the_transition_body_names_each_action(client):
    body = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/cases/{number}/transitions"]["post"]
    schema = body["requestBody"]["content"]["application/json"]["schema"]
    assert schema["discriminator"]["propertyName"] == "action"
    assert "verify_commitment" in schema["discriminator"]["mapping"]
