"""The error pages Django renders on its own are the site's, in Chinese, and the ones it
renders without a request (500, 400, CSRF failure) need nothing but the template."""

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import Client, RequestFactory
from django.views import defaults

pytestmark = pytest.mark.django_db


def _chinese_page(response, heading: str) -> str:
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html and f"<h1>{heading}" in html, html[:500]
    return html


def test_server_error_page_needs_no_request_context(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):  # the database may be what failed
        response = defaults.server_error(request)
    assert response.status_code == 500
    _chinese_page(response, "系统繁忙")


def test_bad_request_page():
    response = defaults.bad_request(RequestFactory().get("/"), SuspiciousOperation("x"))
    assert response.status_code == 400
    _chinese_page(response, "请求有误")


def test_csrf_failure_page(demo):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "citizen", "password": "x"})
    assert response.status_code == 403
    html = _chinese_page(response, "页面已过期")
    assert "CSRF" not in html  # no English reason for the applicant


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_api_path_nobody_answers_is_a_json_404(client, method):
    response = getattr(client, method)("/api/v1/no-such-endpoint")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found" and "接口不存在" in response.json()["message"]


def test_a_body_that_is_not_json_is_refused_in_chinese(client, demo):
    response = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unparsable_body" and "JSON" in body["message"] and "Cannot" not in body["message"]
