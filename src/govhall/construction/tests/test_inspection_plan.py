"""联合踏勘安排: the leading hall sets when and where a filed stage's departments meet on site;
the invited departments' reviewers and chief approvers and the builder's side are told (again
on a change; a department no longer invited is told it need not come); nobody else arranges
it; bad times, places and departments are refused; the page and the API show it."""

from __future__ import annotations

import datetime

import pytest
from conftest import login
from django.utils import timezone

from govhall.construction import selectors, services
from govhall.construction.models import InspectionPlan, StageStatus
from govhall.construction.tests import helpers as h
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound
from govhall.notify.models import Notification

API = "/api/v1/construction"


@pytest.fixture
def filed(stages, django_capture_on_commit_callbacks):
    p = h.project()
    with django_capture_on_commit_callbacks(execute=True):
        row = h.filed(p, 1)
        h.taken_in(row)
    return p


def _when(days: int = 3, hour: int = 9) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 30)))


def _schedule(p, who="clerk", **kw):
    values = {"starts_at": _when(), "place": "", "department_codes": ["lh-zrzy", "lh-sthj"], **kw}
    return services.inspection_schedule(actor=h.user(who), project=p, stage=1, **values)


def _inspect(p, findings="现场与规划条件一致", passed=True):
    return services.inspection_record(
        actor=h.user("clerk"),
        project=p,
        stage=1,
        inspected_on=timezone.localdate(),
        department_codes=["lh-zrzy"],
        findings=findings,
        passed=passed,
    )


def _told(event: str) -> set[str]:
    return set(Notification.objects.filter(event=event).values_list("recipient__username", flat=True))


def test_the_leading_hall_arranges_it_and_the_invited_are_told(filed):
    plan = _schedule(filed, note="请携带规划条件原件")
    assert plan.place == "莲湖区科创路1号" and plan.times == 1  # the project's location by default
    told = _told("construction.inspection_scheduled")
    assert {"zrzy-approver", "sthj-approver", "company"} <= told
    assert not told & {"reviewer", "approver", "clerk", "citizen"}  # the market bureau is not in this stage
    text = Notification.objects.filter(event="construction.inspection_scheduled").first().text
    assert "联合踏勘安排" in text and _when().strftime("%Y年%m月%d日 09:30") in text and "莲湖区科创路1号" in text
    # moved, and 生态环境 no longer invited: the invited are told of the change, 生态环境 that it need not come
    plan = _schedule(filed, who="manager", starts_at=_when(5, 14), place="项目现场东门", department_codes=["lh-zrzy"])
    assert plan.times == 2 and plan.place == "项目现场东门"
    assert [d.code for d in plan.departments.all()] == ["lh-zrzy"]
    assert {"zrzy-approver", "company"} <= _told("construction.inspection_rescheduled")
    assert "sthj-approver" not in _told("construction.inspection_rescheduled")
    assert "sthj-approver" in _told("construction.inspection_uninvited")
    assert InspectionPlan.objects.count() == 1
    view = selectors.stage_view(filed, 1, h.user("company"))  # the builder sees it
    assert view.plan.pk == plan.pk


def test_only_the_leading_hall_arranges_it(filed):
    for who in ("company", "zrzy-approver", "supervisor"):
        with pytest.raises(Forbidden) as refused:
            _schedule(filed, who=who)
        assert refused.value.code == "role_not_allowed", who
    with pytest.raises(NotFound):  # a department outside the project does not see it at all
        _schedule(filed, who="reviewer")
    assert not InspectionPlan.objects.exists()
    _schedule(filed, who="admin")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"starts_at": "明天上午"}, "invalid_field"),
        ({"department_codes": []}, "missing_field"),
        ({"department_codes": ["lh-scjg"]}, "invalid_field"),  # not a department of the stage
        ({"department_codes": ["nope"]}, "invalid_field"),
        ({"place": "x" * 201}, "invalid_field"),
        ({"note": "说" * 501}, "invalid_field"),
    ],
)
def test_bad_arrangements_are_refused(filed, change, code):
    with pytest.raises(DomainError) as refused:
        _schedule(filed, **change)
    assert refused.value.code == code
    assert (
        not InspectionPlan.objects.exists() and not Notification.objects.filter(event__contains="inspection").exists()
    )


def test_not_in_the_past_nor_beyond_ninety_days_nor_without_a_place(filed):
    for when in (timezone.now() - datetime.timedelta(minutes=1), _when(91), datetime.datetime(9999, 12, 31, 23, 59)):
        with pytest.raises(DomainError) as refused:
            _schedule(filed, starts_at=when)
        assert refused.value.detail == {"field": "starts_at"}
    filed.location = ""
    filed.save()
    with pytest.raises(DomainError) as refused:
        _schedule(filed)
    assert refused.value.code == "missing_field"
    # a naive time is the site's time
    plan = _schedule(filed, starts_at=datetime.datetime.combine(_when().date(), datetime.time(10, 0)), place="现场")
    assert timezone.localtime(plan.starts_at).hour == 10


def test_not_before_filing_nor_after_the_inspection(stages, filed):
    with pytest.raises(Conflict) as refused:
        services.inspection_schedule(
            actor=h.user("clerk"),
            project=h.project(code="2026-610104-48-01-000002"),
            stage=1,
            starts_at=_when(),
            department_codes=["lh-zrzy"],
        )
    assert refused.value.code == "stage_not_filed"
    _schedule(filed)
    _inspect(filed)
    with pytest.raises(Conflict) as refused:
        _schedule(filed)
    assert refused.value.code == "inspection_exists"


def test_a_stage_filed_again_is_arranged_anew(filed, django_capture_on_commit_callbacks):
    _schedule(filed)
    row = filed.stages.get(stage=1)
    with django_capture_on_commit_callbacks(execute=True):
        h.decide(row, "lh-zrzy")
        h.decide(row, "lh-sthj")
        _inspect(filed, findings="现场已开挖，与用地批准不符", passed=False)
    row.refresh_from_db()
    assert row.status == StageStatus.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        h.filed(filed, 1)
    assert not InspectionPlan.objects.filter(stage=row).exists()


def test_page_and_api(filed, client, bearer):
    login(client, "clerk")
    page = client.get(f"/construction/{h.CODE}/").content.decode()
    assert "安排联合踏勘" in page and 'name="starts_at"' in page
    when = _when(4, 15).strftime("%Y-%m-%dT%H:%M")
    url = f"/construction/{h.CODE}/stages/1/inspection-plan/"
    refused = client.post(url, {"starts_at": "not a time", "departments": ["lh-zrzy"]})
    assert refused.status_code == 400 and "踏勘时间不正确" in refused.content.decode()
    r = client.post(url, {"starts_at": when, "place": "项目现场", "departments": ["lh-zrzy", "lh-sthj"]})
    assert r.status_code == 302
    login(client, "company")
    page = client.get(f"/construction/{h.CODE}/").content.decode()
    assert "项目现场" in page and when.replace("T", " ") in page and "安排联合踏勘" not in page
    assert client.post(url, {"starts_at": when, "departments": ["lh-zrzy"]}).status_code == 403
    login(client, "citizen2")
    assert client.post(url, {"starts_at": when, "departments": ["lh-zrzy"]}).status_code == 404
    # the API: the stage carries the plan; the leading hall moves it; others are refused
    stage = client.get(f"{API}/projects/{h.CODE}/stages/1", headers=bearer("company")).json()
    assert stage["inspection_plan"]["place"] == "项目现场" and stage["inspection_plan"]["times"] == 1
    body = {"starts_at": _when(6, 9).isoformat(), "departments": ["lh-zrzy"], "place": "东门"}
    api = f"{API}/projects/{h.CODE}/stages/1/inspection-plan"
    r = client.post(api, body, content_type="application/json", headers=bearer("manager"))
    assert r.status_code == 201 and r.json()["times"] == 2 and r.json()["department_codes"] == ["lh-zrzy"], r.content
    for who, status in (("company", 403), ("citizen2", 404)):
        r = client.post(api, body, content_type="application/json", headers=bearer(who))
        assert r.status_code == status, who
    r = client.post(api, {**body, "departments": ["x"]}, content_type="application/json", headers=bearer("manager"))
    assert r.status_code == 400 and r.json()["detail"]["unknown"] == ["x"]
    r = client.post(
        api, {**body, "starts_at": "9999-99-99"}, content_type="application/json", headers=bearer("manager")
    )
    assert r.status_code == 422
    client.logout()
    assert client.post(api, body, content_type="application/json").status_code == 401


def test_the_day_before_everyone_invited_is_reminded_once(filed):
    from django.core.management import call_command

    plan = _schedule(filed, starts_at=_when(2))
    assert services.inspection_remind() == 0  # two days ahead: not yet
    day_before = plan.starts_at - datetime.timedelta(hours=20)
    assert services.inspection_remind(now=day_before) == 1
    assert services.inspection_remind(now=day_before) == 0  # once
    assert {"zrzy-approver", "sthj-approver", "company"} <= _told("construction.inspection_reminder")
    # moved: reminded again before the new time; the same time kept: not
    plan = _schedule(filed, starts_at=_when(3))
    assert services.inspection_remind(now=plan.starts_at - datetime.timedelta(hours=2)) == 1
    plan = _schedule(filed, starts_at=plan.starts_at, place="西门")
    assert services.inspection_remind(now=plan.starts_at - datetime.timedelta(hours=1)) == 0
    # an inspection already recorded, or a time passed: nothing
    InspectionPlan.objects.update(reminded_at=None)
    assert services.inspection_remind(now=plan.starts_at + datetime.timedelta(minutes=1)) == 0
    _inspect(filed)
    assert services.inspection_remind(now=plan.starts_at - datetime.timedelta(hours=1)) == 0
    call_command("construction_remind")


def test_arranged_from_four_places_at_once_there_is_one_plan(transactional_db):
    """Four staff save the arrangement at the same moment: the stage row is locked while one
    writes, so there is one plan, moved three times, and no error."""
    from conftest import _load_demo

    from govhall.appointments.tests.test_concurrency import together
    from govhall.construction import demo as construction_demo

    _load_demo()
    construction_demo.catalogue()
    construction_demo.staff()
    p = h.project()
    h.taken_in(h.filed(p, 1))
    people = ["clerk", "manager", "admin", "clerk"]
    together(
        [lambda who=who, i=i: str(_schedule(p, who=who, starts_at=_when(2 + i)).pk) for i, who in enumerate(people)]
    )
    plan = InspectionPlan.objects.get()
    assert plan.times == 4
