from govhall.cases.models import State
from govhall.construction import demo as construction_demo
from govhall.construction.models import ConstructionProject, StageStatus


def test_demo_project_is_in_its_second_stage(stages, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert construction_demo.load() is True
    project = ConstructionProject.objects.get(code=construction_demo.PROJECT)
    first, second = project.stages.order_by("stage")
    assert first.status == StageStatus.PASSED, first.result_note
    assert {m.case.state for m in first.bundle_case.members.all()} == {State.DELIVERED}
    assert first.inspection.departments.count() == 2
    assert "临时用地批准文件" in first.result_note
    assert second.status == StageStatus.FILED
    states = {m.case.department.code: m.case.state for m in second.bundle_case.members.all()}
    assert states == {"lh-zrzy": State.APPROVED, "lh-cg": State.ACCEPTED}
    assert project.stages.count() == 2  # stage 3 opens only after stage 2 passes
    assert construction_demo.load() is False  # idempotent
