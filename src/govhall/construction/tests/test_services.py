import datetime

import pytest
from django.utils import timezone

from govhall.accounts.models import Applicant
from govhall.cases.models import State
from govhall.construction import selectors, services
from govhall.construction.models import ProjectStage, Stage, StageStatus
from govhall.construction.tests import helpers as h
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound


@pytest.fixture
def go(django_capture_on_commit_callbacks):
    """Run a step and deliver its case events (the stage result is written on them)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _row(p, stage):
    return ProjectStage.objects.get(project=p, stage=stage)


def test_stage_two_cannot_open_before_stage_one_passes(stages, go):
    p = h.project()
    assert [s.stage for s in p.stages.all()] == [Stage.LAND_PLANNING]
    with pytest.raises(Conflict) as e:
        services.stage_file(actor=h.user("company"), project=p, stage=2, form={})
    assert e.value.code == "stage_not_open"
    with go():
        row = h.filed(p, 1)
        h.taken_in(row)
    with pytest.raises(Conflict) as e:
        services.stage_file(actor=h.user("company"), project=p, stage=1, form={})
    assert e.value.code == "stage_already_filed"
    # decided by one department only: still not open
    with go():
        h.decide(row, "lh-zrzy")
    assert _row(p, 1).status == StageStatus.FILED
    with pytest.raises(Conflict):
        services.stage_file(actor=h.user("company"), project=p, stage=2, form={})


def test_a_project_through_its_stages_with_parallel_decisions_and_an_inspection(stages, go):
    p = h.project()
    with go():
        row = h.filed(p, 1)
        h.taken_in(row)
    members = {h.member(row, d).department.code for d in ("lh-zrzy", "lh-sthj")}
    assert members == {"lh-zrzy", "lh-sthj"}
    assert all(h.member(row, d).state == State.ACCEPTED for d in members)
    # both departments decide in parallel, in either order
    with go():
        h.decide(row, "lh-sthj")
        h.decide(row, "lh-zrzy")
    row = _row(p, 1)
    view = selectors.stage_view(p, 1, h.user("company"))
    assert row.status == StageStatus.FILED and view.awaiting_inspection  # stage 1 asks for 联合踏勘
    assert view.due_date is not None and view.limit_workdays == 10  # the longest member's limit
    with go():
        inspection = services.inspection_record(
            actor=h.user("zrzy-approver"),
            project=p,
            stage=1,
            inspected_on=timezone.localdate(),
            department_codes=["lh-zrzy", "lh-sthj"],
            findings="红线与规划条件一致",
        )
    assert inspection.departments.count() == 2
    row = _row(p, 1)
    assert row.status == StageStatus.PASSED
    assert {r["state"] for r in row.results} == {State.APPROVED}
    assert "临时用地批准文件" in row.result_note and "建设项目环境影响报告表批复" in row.result_note
    assert _row(p, 2).status == StageStatus.OPEN  # the next stage opened
    # stage 2: 自然资源 approves, 城管 refuses: the stage fails, explained, and may be filed again
    with go():
        row2 = h.filed(p, 2)
        h.taken_in(row2)
        h.decide(row2, "lh-zrzy")
    assert _row(p, 2).status == StageStatus.FILED
    with go():
        h.decide(
            row2, "lh-cg", "deny", reason="交通疏导方案未经交警部门同意", legal_basis="《城市道路管理条例》第三十一条"
        )
    row2 = _row(p, 2)
    assert row2.status == StageStatus.FAILED
    assert "交通疏导方案未经交警部门同意" in row2.result_note and "占用、挖掘城市道路审批" in row2.result_note
    assert not ProjectStage.objects.filter(project=p, stage=3).exists()
    first_filing = row2.bundle_case.number
    with go():
        again = h.filed(p, 2)
    assert again.status == StageStatus.FILED and again.bundle_case.number != first_filing
    assert again.history[0]["bundle_case"] == first_filing and "交通疏导" in again.history[0]["result_note"]


def test_the_inspection_is_recorded_once_by_those_present(stages, go):
    p = h.project()
    with pytest.raises(Conflict):  # not filed yet
        services.inspection_record(
            actor=h.user("clerk"),
            project=p,
            stage=1,
            inspected_on=timezone.localdate(),
            department_codes=["lh-zrzy"],
            findings="x",
        )
    with go():
        h.taken_in(h.filed(p, 1))
    today = timezone.localdate()
    kw = {"project": p, "stage": 1, "inspected_on": today, "findings": "现场符合要求"}
    with pytest.raises(Forbidden):  # a department that is not present
        services.inspection_record(actor=h.user("sthj-approver"), department_codes=["lh-zrzy"], **kw)
    with pytest.raises(NotFound):  # a department not in the project does not even see it
        services.inspection_record(actor=h.user("cg-approver"), department_codes=["lh-zrzy"], **kw)
    with pytest.raises(DomainError) as e:
        services.inspection_record(actor=h.user("clerk"), department_codes=["lh-zj"], **kw)
    assert e.value.code == "invalid_field" and e.value.detail["not_in_stage"] == ["lh-zj"]
    with pytest.raises(DomainError):
        services.inspection_record(
            actor=h.user("clerk"), department_codes=["lh-zrzy"], **{**kw, "inspected_on": today + datetime.timedelta(1)}
        )
    with pytest.raises(DomainError):
        services.inspection_record(actor=h.user("clerk"), department_codes=["lh-zrzy"], **{**kw, "findings": " "})
    services.inspection_record(actor=h.user("clerk"), department_codes=["lh-zrzy", "lh-sthj"], **kw)
    with pytest.raises(Conflict) as e:
        services.inspection_record(actor=h.user("zrzy-approver"), department_codes=["lh-zrzy"], **kw)
    assert e.value.code == "inspection_exists"


def test_an_inspection_finding_the_site_not_in_order_fails_the_stage(stages, go):
    p = h.project()
    with go():
        row = h.filed(p, 1)
        h.taken_in(row)
        services.inspection_record(
            actor=h.user("clerk"),
            project=p,
            stage=1,
            inspected_on=timezone.localdate(),
            department_codes=["lh-zrzy"],
            findings="用地范围内有未拆除的违法建筑",
            passed=False,
        )
        h.decide(row, "lh-zrzy")
        h.decide(row, "lh-sthj")
    row = _row(p, 1)
    assert row.status == StageStatus.FAILED and "未拆除的违法建筑" in row.result_note


def test_who_sees_a_project(stages, go):
    p = h.project()
    company = h.user("company")
    assert selectors.can_see(company, p)
    assert selectors.can_see(h.user("clerk"), p)  # its hall
    assert selectors.can_see(h.user("supervisor"), p)  # its region
    assert selectors.can_see(h.user("admin"), p)
    for outsider in ("citizen", "citizen2", "reviewer", "approver", "zrzy-approver", "assistant"):
        assert not selectors.can_see(h.user(outsider), p), outsider
        with pytest.raises(NotFound):
            selectors.project_for(h.user(outsider), p.code)
    with go():
        h.taken_in(h.filed(p, 1))
    # the departments of a filed stage see the project; others still do not
    assert selectors.can_see(h.user("zrzy-approver"), p)
    assert selectors.can_see(h.user("sthj-approver"), p)
    assert not selectors.can_see(h.user("cg-approver"), p)
    assert set(selectors.visible_projects(h.user("zrzy-approver"))) == {p}
    assert not selectors.visible_projects(h.user("citizen2")).exists()


def test_who_may_register_and_file(stages):
    with pytest.raises(Forbidden):  # not the builder's operator
        services.project_create(actor=h.user("citizen2"), code="X-0001", name="x", builder=h.company())
    person = Applicant.objects.get(user__username="citizen")
    with pytest.raises(DomainError) as e:
        services.project_create(actor=h.user("citizen"), code="X-0002", name="x", builder=person)
    assert e.value.code == "not_a_company"
    p = h.project()
    with pytest.raises(Conflict) as e:
        h.project()
    assert e.value.code == "project_code_taken"
    with pytest.raises(DomainError) as e:
        services.project_create(actor=h.user("clerk"), code="bad code!", name="x", builder=h.company())
    assert e.value.code == "invalid_field"
    with pytest.raises(DomainError) as e:
        services.project_create(actor=h.user("clerk"), code="X-0003", name="x", builder=h.company(), investment="abc")
    assert e.value.detail == {"field": "investment"}
    clerk_made = services.project_create(actor=h.user("clerk"), code="X-0004", name="窗口登记", builder=h.company())
    assert clerk_made.hall.name == "莲湖区政务服务中心"
    with pytest.raises(NotFound):  # the builder's stages are not a stranger's to file
        services.stage_file(actor=h.user("citizen2"), project=p, stage=1, form={})
    with pytest.raises(Forbidden):  # a department sees nothing to file for
        services.stage_file(actor=h.user("supervisor"), project=p, stage=1, form={})


def _decide_all(row) -> None:
    for m in h.bundle_selectors.members(row.bundle_case):  # stage 4 has two items of 住建
        approver = h.user(h.APPROVER[m.case.department.code])
        h.case_services.case_transition(case=m.case, actor=approver, action="approve")


def test_all_four_stages_to_completion(stages, go):
    p = h.project()
    today = timezone.localdate()
    for stage in Stage.values:
        if stage < Stage.COMPLETION:
            with pytest.raises(Conflict):  # the next stage never before this one passed
                services.stage_file(actor=h.user("company"), project=p, stage=stage + 1, form={})
        with go():
            row = h.filed(p, stage)
            h.taken_in(row)
            _decide_all(row)
        if selectors.stage_view(p, stage, h.user("clerk")).awaiting_inspection:  # stages 1 and 4
            assert _row(p, stage).status == StageStatus.FILED
            with go():
                services.inspection_record(
                    actor=h.user("clerk"),
                    project=p,
                    stage=stage,
                    inspected_on=today,
                    department_codes=sorted(
                        {h.member(row, d).department.code for d in ("lh-zj", "lh-sthj", "lh-zrzy") if _has(row, d)}
                    ),
                    findings="现场与申报一致",
                )
        assert _row(p, stage).status == StageStatus.PASSED, _row(p, stage).result_note
    assert [s.status for s in p.stages.order_by("stage")] == [StageStatus.PASSED] * 4
    assert not ProjectStage.objects.filter(project=p, stage__gt=4).exists()
    final = _row(p, Stage.COMPLETION)
    assert len(final.results) == 3 and "竣工验收备案" in final.result_note


def _has(row, department: str) -> bool:
    return any(m.case.department.code == department for m in h.bundle_selectors.members(row.bundle_case))


def test_a_stage_without_a_published_bundle_is_refused_clearly(stages):
    from django.core.exceptions import ValidationError

    from govhall.construction.models import StageDefinition

    definition = StageDefinition.objects.get(stage=1)
    definition.bundle_code = "no-such-bundle"
    with pytest.raises(ValidationError):  # the admin's form refuses it
        definition.full_clean()
    definition.save()
    p = h.project()
    with pytest.raises(DomainError) as e:
        services.stage_file(actor=h.user("company"), project=p, stage=1, form={})
    assert e.value.code == "stage_not_configured"


def test_a_key_project_s_stages_are_followed_whoever_files_them(stages, go):
    """A construction project registered in a key project: the company's own online filing
    puts the stage's cases in the key project, and its assistant hears of their decisions."""
    from govhall.notify.models import Notification
    from govhall.stations.models import KeyProject, ProjectCase

    key = KeyProject.objects.create(
        code="yf-test",
        name="云帆测试项目",
        company=h.company(),
        assistant=h.user("assistant"),
        hall=h.user("clerk").staff_profile.hall,
        created_by=h.user("manager"),
    )
    p = services.project_create(
        actor=h.user("company"), code=h.CODE, name="测试厂房项目", builder=h.company(), key_project=key.code
    )
    with go():
        row = h.filed(p, 1)  # by the company's operator, online
        h.taken_in(row)
    members = {m.case_id for m in row.bundle_case.members.all()}
    assert set(ProjectCase.objects.filter(project=key).values_list("case_id", flat=True)) == members
    with go():
        h.decide(row, "lh-zrzy")
    assert Notification.objects.filter(recipient__username="assistant", text__contains="准予许可").exists()
