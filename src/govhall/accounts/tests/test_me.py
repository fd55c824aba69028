"""我的信息: a person sees themselves, masked, and the companies they act for."""

import pytest
from conftest import login

from govhall.accounts.demo import DEMO_COMPANY_USCC
from govhall.accounts.models import Applicant

pytestmark = pytest.mark.django_db


def test_an_applicant_sees_their_masked_identity(client, demo):
    login(client, "citizen")
    page = client.get("/accounts/me/").content.decode()
    citizen = Applicant.objects.get(user__username="citizen")
    assert "张明" in page and citizen.masked_code in page and "138****8000" in page
    assert citizen.id_number not in page and "13800138000" not in page
    assert "尚未被授权为任何企业的经办人" in page


def test_an_operator_sees_the_companies_and_staff_their_post(client, demo):
    login(client, "company")
    page = client.get("/accounts/me/").content.decode()
    assert "西安莲湖云帆科技有限公司" in page and DEMO_COMPANY_USCC in page
    login(client, "clerk")
    page = client.get("/accounts/me/").content.decode()
    assert "综合窗口受理员" in page and "莲湖区政务服务中心" in page and "可代为办理的企业" not in page


def test_the_header_links_to_it(client, demo):
    login(client, "citizen")
    assert 'href="/accounts/me/"' in client.get("/").content.decode()


def test_the_api_says_who_the_caller_is_and_whom_they_may_file_for(client, demo, bearer):
    me = client.get("/api/v1/auth/me", headers=bearer("company")).json()
    company = Applicant.objects.get(uscc=DEMO_COMPANY_USCC)
    assert me["username"] == "company" and me["staff"] is None
    assert [(a["id"], a["own"]) for a in me["applicants"]] == [(company.id, False)]
    # the id files a case for the company (公章刻制备案: for legal persons, online, no form)
    created = client.post(
        "/api/v1/cases",
        {"item_code": "000510001000-610104000000-000-11610104LH0000005W-1-00", "applicant_id": company.id},
        content_type="application/json",
        headers=bearer("company"),
    )
    assert created.status_code == 201, created.content
    assert Applicant.objects.get(cases__number=created.json()["number"]) == company
    citizen = client.get("/api/v1/auth/me", headers=bearer("citizen")).json()
    assert citizen["phone"] == "138****8000" and "13800138000" not in str(citizen)
    (own,) = citizen["applicants"]
    assert own["own"] and own["code"] == Applicant.objects.get(user__username="citizen").masked_code
    clerk = client.get("/api/v1/auth/me", headers=bearer("clerk")).json()
    assert clerk["staff"]["role"] == "clerk" and clerk["applicants"] == []
    assert client.__class__().get("/api/v1/auth/me").status_code == 401
