"""Key projects (重点项目): the page and API that track all of a project's cases across
departments with their deadlines, setting one up, taking cases in, and the dedicated
assistant told what happens to them. The world is the stations demo's project: 云帆科技's
factory, its assistant 刘洋, three cases filed for the company under a signed 委托书 (规划,
环评, 施工许可), the first two accepted by the hall."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from conftest import login
from django.utils import timezone

from govhall.cases.models import Case, TimelineEvent
from govhall.cases.tests import factories as f
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound
from govhall.notify.models import Notification
from govhall.stations import selectors, services
from govhall.stations.demo import CONSTRUCTION, EIA, PLANNING
from govhall.stations.models import KeyProject
from govhall.stations.tests.helpers import company, user

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def project(places) -> KeyProject:
    from govhall.stations.demo import load

    load()
    return KeyProject.objects.get(code="yunfan-factory")


def _cases(project: KeyProject) -> dict[str, Case]:
    return {link.case.item.code: link.case for link in project.case_links.select_related("case__item")}


def test_the_tracking(project):
    tracking = selectors.project_tracking(project, user("manager"))
    cases = _cases(project)
    assert len(tracking.cases) == 3 and tracking.open == 3 and tracking.overdue == 0
    # three departments, each with its case
    departments = {name: [c["item_code"] for c in lines] for name, lines in tracking.by_department}
    assert sorted(departments.values()) == sorted([[PLANNING], [EIA], [CONSTRUCTION]])
    by_code = {c["item_code"]: c for c in tracking.cases}
    for code in (PLANNING, EIA):  # accepted: the clock runs
        assert by_code[code]["due_date"] == cases[code].due_date and by_code[code]["remaining_workdays"] > 0
    assert by_code[CONSTRUCTION]["due_date"] is None  # submitted, not yet accepted
    assert tracking.next_due == min(cases[PLANNING].due_date, cases[EIA].due_date)
    # soonest due first
    assert [c["item_code"] for c in tracking.cases][-1] == CONSTRUCTION


def test_the_page(client, project):
    cases = _cases(project)
    login(client, "manager")
    html = client.get(f"/assist/projects/{project.code}/").content.decode()
    numbers = re.search(r'id="project-numbers">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r"<strong[^>]*>([^<]+)</strong>(\S+?)</li>", numbers)[:3] == [
        ("3", "办件"),
        ("3", "在办"),
        ("0", "超期"),
    ]
    section = re.search(r'id="project-cases">(.*?)</section>', html, re.S).group(1)
    assert len(re.findall(r"<h3>", section)) == 3
    for case in cases.values():
        line = re.search(rf'<li class="[^"]*" data-case="{case.number}">(.*?)</li>', section, re.S).group(1)
        assert f'href="/cases/{case.number}/"' in line and case.item.name in line
        if case.due_date:
            assert f"到期日：{case.due_date:%Y-%m-%d}" in line and "个工作日" in line
        else:
            assert "到期日：—" in line
    assert "有效" in html and "刘洋" in html and "云帆科技" in html
    assert "标记审批已完成" in html  # the manager's


def test_overdue_cases_show(client, project, monkeypatch):
    cases = _cases(project)
    later = max(cases[PLANNING].due_date, cases[EIA].due_date) + datetime.timedelta(days=3)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: later)
    tracking = selectors.project_tracking(project, user("manager"))
    assert tracking.overdue == 2
    login(client, "assistant")
    html = client.get(f"/assist/projects/{project.code}/").content.decode()
    assert html.count("已超期") == 2 and html.count('class="is-overdue"') == 2
    assert client.get(f"/api/v1/projects/{project.code}").json()["overdue"] == 2


def test_the_api(client, project):
    login(client, "company")
    body = client.get(f"/api/v1/projects/{project.code}").json()
    assert (body["cases"], body["open"], body["overdue"], body["live_authorisation"]) == (3, 3, 0, True)
    assert {c["item_code"] for c in body["case_list"]} == {PLANNING, EIA, CONSTRUCTION}
    assert all("due_date" in c and "department" in c for c in body["case_list"])
    assert [p["code"] for p in client.get("/api/v1/projects").json()] == [project.code]


def test_a_case_filed_by_the_company_joins_the_project(client, project):
    own = f.act(f.upload_all(f.draft(f.COMPANY, "company"), "company"), "company", "submit")
    with pytest.raises(NotFound):  # the assistant did not file it and cannot see it
        services.project_case_link(project=project, actor=user("assistant"), case_number=own.number)
    services.project_case_link(project=project, actor=user("manager"), case_number=own.number)
    assert TimelineEvent.objects.filter(case=own, action="stations.project_linked").exists()
    with pytest.raises(Conflict) as err:
        services.project_case_link(project=project, actor=user("manager"), case_number=own.number)
    assert err.value.code == "already_linked"
    # the assistant's page lists it, without a link into a case they may not open
    login(client, "assistant")
    html = client.get(f"/assist/projects/{project.code}/").content.decode()
    line = re.search(rf'data-case="{own.number}">(.*?)</li>', html, re.S).group(1)
    assert f'<span class="number">{own.number}</span>' in line and "/cases/" not in line
    # a case of another applicant is refused
    theirs = f.submitted(username="citizen")
    with pytest.raises(DomainError) as err:
        services.project_case_link(project=project, actor=user("manager"), case_number=theirs.number)
    assert err.value.code == "applicant_mismatch"


def test_another_domain_adopts_the_company_s_case_into_the_project(project):
    """``project_case_adopt``: for a domain whose record ties the case to the project (a
    construction project's stages), without staff rights; once; only the company's cases."""
    own = f.act(f.upload_all(f.draft(f.COMPANY, "company"), "company"), "company", "submit")
    assert services.project_case_adopt(project=project, case=own, actor=user("company")) is True
    assert TimelineEvent.objects.filter(case=own, action="stations.project_linked").count() == 1
    assert services.project_case_adopt(project=project, case=own, actor=user("company")) is False
    assert project.case_links.filter(case=own).count() == 1
    with pytest.raises(DomainError) as err:
        services.project_case_adopt(project=project, case=f.submitted(username="citizen"), actor=user("citizen"))
    assert err.value.code == "applicant_mismatch"


def test_the_assistant_is_told_what_happens_to_the_projects_cases(project, django_capture_on_commit_callbacks):
    pending = _cases(project)[CONSTRUCTION]
    before = Notification.objects.filter(recipient=user("assistant"), event="stations.case_followup").count()
    with django_capture_on_commit_callbacks(execute=True):
        f.act(pending, "clerk", "accept")
    told = Notification.objects.filter(recipient=user("assistant"), event="stations.case_followup")
    assert told.count() == before + 1 and "已受理" in told.latest("id").text
    # a second delivery of the same event tells nobody
    event = TimelineEvent.objects.filter(case=pending, action="accept").get()
    assert services.case_followup(case_id=pending.pk, action="accept", event_id=event.pk) == 0


def test_setting_up_a_project(client, project):
    login(client, "manager")
    good = {
        "code": "warehouse",
        "name": "云帆科技仓储中心",
        "company_uscc": company().uscc,
        "assistant_id": user("assistant2").pk,
        "investment": "5000.50",
        "target_date": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
    }
    r = client.post("/api/v1/projects", json.dumps(good), content_type=JSON)
    assert r.status_code == 201 and r.json()["hall"] == "莲湖区政务服务中心" and r.json()["cases"] == 0
    assert Notification.objects.filter(recipient=user("assistant2"), event="stations.project_assigned").exists()
    for change, status, code in (
        ({"code": "warehouse"}, 409, "project_code_taken"),
        ({"code": "Bad Code"}, 422, "validation_error"),
        ({"code": "w2", "assistant_id": user("clerk").pk}, 400, "not_an_assistant"),
        ({"code": "w3", "company_uscc": "91610000000000000X"}, 400, "company_not_found"),
        ({"code": "w4", "name": "   "}, 400, "missing_field"),
        ({"code": "w5", "investment": "-1"}, 422, "validation_error"),
    ):
        r = client.post("/api/v1/projects", json.dumps({**good, **change}), content_type=JSON)
        assert (r.status_code, r.json()["code"]) == (status, code), change
    # the page: the manager's form, then the project's page
    r = client.post(
        "/assist/projects/",
        {"code": "depot", "name": "物流中心", "uscc": company().uscc, "assistant": user("assistant").pk},
    )
    assert r.status_code == 302 and r["Location"] == "/assist/projects/depot/"
    r = client.post("/assist/projects/", {"code": "depot2", "name": "x", "uscc": "nope", "assistant": "1"})
    assert r.status_code == 400 and "未找到该统一社会信用代码的法人" in r.content.decode()


def test_only_a_manager_completes_a_project(client, project):
    with pytest.raises(Forbidden):
        services.project_complete(project=project, actor=user("assistant"))
    login(client, "assistant")
    r = client.post(f"/assist/projects/{project.code}/status/")
    assert r.status_code == 403
    login(client, "manager")
    assert client.post(f"/assist/projects/{project.code}/status/").status_code == 302
    project.refresh_from_db()
    assert project.status == KeyProject.Status.COMPLETED
    assert client.post(f"/assist/projects/{project.code}/status/", {"reopen": "1"}).status_code == 302
    project.refresh_from_db()
    assert project.status == KeyProject.Status.ACTIVE


def test_filing_from_the_projects_page(client, project):
    login(client, "assistant")
    page = client.get(f"/assist/projects/{project.code}/file/").content.decode()
    for code in (PLANNING, EIA, CONSTRUCTION):
        assert code in page
    r = client.post(
        f"/assist/projects/{project.code}/file/",
        {"item": EIA, "建设项目名称": project.name, "环评类别": "报告表", "description": "补充环评"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert len(_cases(project)) == 3  # another EIA case: the mapping keeps one per item
    assert project.case_links.count() == 4
