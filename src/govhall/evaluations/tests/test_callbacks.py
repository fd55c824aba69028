"""回访 → 整改 → 办结 → 申请人确认/异议: nothing is skipped, nothing closes without its
record, only the task's department acts, a fault names the staff member."""

from __future__ import annotations

import pytest

from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound
from govhall.evaluations import services
from govhall.evaluations.models import CallbackRecord, CallbackTask, Level, Rectification
from govhall.evaluations.tests import helpers as h
from govhall.notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(demo) -> CallbackTask:
    return h.evaluate(h.issued(), Level.DISSATISFIED).callback_task


def _callback(task, outcome="reached", who="reviewer"):
    return services.callback_record(
        actor=h.user(who), task=task, method="phone", outcome=outcome, summary="电话联系申请人，反映等候时间长"
    )


def _rectify(task, cause="process", who="reviewer", **kw):
    return services.rectification_record(
        actor=h.user(who), task=task, cause=cause, measures="增设午间窗口，优化叫号", **kw
    )


def _close(task, who="reviewer"):
    return services.task_close(actor=h.user(who), task=task, note="已增设午间窗口，等候时间缩短")


def _state(task) -> str:
    task.refresh_from_db()
    return task.state


def test_the_whole_way_callback_rectification_close_confirm(task):
    _callback(task)
    assert _state(task) == CallbackTask.State.PENDING_RECTIFICATION and task.rectification_due
    _rectify(task, who="approver")  # the chief approver of the department acts too
    assert _state(task) == CallbackTask.State.RECTIFIED
    _close(task)
    assert _state(task) == CallbackTask.State.CLOSED and task.closed_by.username == "reviewer"
    told = Notification.objects.filter(event="evaluations.rectified", recipient__username="citizen")
    assert told.exists()
    services.applicant_respond(actor=h.user("citizen"), task=task, confirm=True)
    task.refresh_from_db()
    assert task.applicant_response == CallbackTask.Response.CONFIRMED
    with pytest.raises(Conflict) as refused:
        services.applicant_respond(actor=h.user("citizen"), task=task, confirm=False, comment="还是不满意")
    assert refused.value.code == "already_responded"


def test_rectification_cannot_come_before_the_callback(task):
    with pytest.raises(Conflict) as refused:
        _rectify(task)
    assert refused.value.code == "wrong_task_state"
    assert not Rectification.objects.exists() and _state(task) == CallbackTask.State.PENDING_CALLBACK


def test_the_task_cannot_close_before_callback_or_rectification(task):
    with pytest.raises(Conflict) as refused:
        _close(task)
    assert refused.value.code == "wrong_task_state"
    _callback(task)
    with pytest.raises(Conflict) as refused:
        _close(task)
    assert refused.value.code == "wrong_task_state"
    assert _state(task) == CallbackTask.State.PENDING_RECTIFICATION


def test_no_step_runs_twice_or_out_of_order(task):
    _callback(task)
    with pytest.raises(Conflict):
        _callback(task)
    _rectify(task)
    with pytest.raises(Conflict):
        _rectify(task)
    _close(task)
    for step in (_callback, _rectify, _close):
        with pytest.raises(Conflict):
            step(task)
    assert task.callbacks.count() == 1 and task.rectifications.count() == 1


def test_each_record_needs_its_content(task):
    with pytest.raises(DomainError) as refused:
        services.callback_record(actor=h.user("reviewer"), task=task, method="phone", outcome="reached", summary=" ")
    assert refused.value.code == "record_required"
    with pytest.raises(DomainError) as refused:
        services.callback_record(actor=h.user("reviewer"), task=task, method="fax", outcome="reached", summary="联系了")
    assert refused.value.code == "invalid_record"
    _callback(task)
    with pytest.raises(DomainError) as refused:
        services.rectification_record(actor=h.user("reviewer"), task=task, cause="process", measures="")
    assert refused.value.code == "record_required"
    _rectify(task)
    with pytest.raises(DomainError) as refused:
        services.task_close(actor=h.user("reviewer"), task=task, note="")
    assert refused.value.code == "record_required"
    assert _state(task) == CallbackTask.State.RECTIFIED


def test_unreachable_attempts_keep_the_task_until_the_last_allowed(task, settings):
    settings.GOVHALL_EVALUATION_CALLBACK_ATTEMPTS = 2
    _callback(task, outcome="unreachable")
    assert _state(task) == CallbackTask.State.PENDING_CALLBACK
    _callback(task, outcome="unreachable")
    assert _state(task) == CallbackTask.State.PENDING_RECTIFICATION
    assert task.callbacks.filter(outcome=CallbackRecord.Outcome.UNREACHABLE).count() == 2


def test_a_staff_fault_names_the_staff_member_and_the_accountability(task):
    _callback(task)
    with pytest.raises(DomainError) as refused:
        _rectify(task, cause="staff")
    assert refused.value.code == "record_required"
    clerk = h.user("clerk")
    with pytest.raises(DomainError) as refused:
        _rectify(task, cause="staff", responsible_staff_id=clerk.pk)
    assert refused.value.code == "record_required"  # the accountability is required too
    with pytest.raises(DomainError):
        _rectify(task, cause="staff", responsible_staff_id=h.user("citizen").pk, accountability="批评教育")
    rectification = _rectify(
        task, cause="staff", responsible_staff_id=clerk.pk, accountability="批评教育，扣减当月考核分"
    )
    assert rectification.responsible_staff == clerk
    assert list(clerk.accountability_records.all()) == [rectification]


def test_contesting_reopens_the_rectification_and_a_new_round_is_needed(task):
    _callback(task)
    _rectify(task)
    _close(task)
    with pytest.raises(DomainError):  # a contest says why
        services.applicant_respond(actor=h.user("citizen"), task=task, confirm=False, comment="")
    services.applicant_respond(actor=h.user("citizen"), task=task, confirm=False, comment="问题没有解决")
    task.refresh_from_db()
    assert (task.state, task.reopened_count, task.applicant_response) == ("pending_rectification", 1, "contested")
    assert Notification.objects.filter(event="evaluations.contested", recipient__username="reviewer").exists()
    with pytest.raises(Conflict):
        _close(task)
    _rectify(task)
    assert task.rectifications.last().round == 2
    _close(task)
    task.refresh_from_db()
    assert task.state == "closed" and task.applicant_response == ""  # may answer again
    services.applicant_respond(actor=h.user("citizen"), task=task, confirm=True)


def test_only_the_department_acts_on_the_task(task):
    with pytest.raises(NotFound):  # another department's reviewer does not see it
        services.callback_record(
            actor=h.other_department_reviewer(), task=task, method="phone", outcome="reached", summary="联系申请人了"
        )
    # they see it (the supervisor and the hall manager oversee, the applicant evaluated) but
    # do not act on it; the reviewer of the other department does not even see it
    for username in ("supervisor", "manager", "clerk", "citizen"):
        with pytest.raises(Forbidden) as refused:
            _callback(task, who=username)
        assert refused.value.code == "not_department"
    with pytest.raises(NotFound):
        _callback(task, who="citizen2")
    assert not task.callbacks.exists()


def test_only_the_evaluating_applicant_answers(task):
    _callback(task)
    _rectify(task)
    _close(task)
    with pytest.raises(NotFound):
        services.applicant_respond(actor=h.user("citizen2"), task=task, confirm=True)
    with pytest.raises(NotFound):
        services.applicant_respond(actor=h.user("reviewer"), task=task, confirm=True)
    task.refresh_from_db()
    assert task.applicant_response == ""


def test_overdue_tasks_are_reminded_once_per_stage(task):
    import datetime

    from django.core.management import call_command

    assert services.remind_overdue() == 0  # not due yet
    later = task.callback_due + datetime.timedelta(days=1)
    assert services.remind_overdue(later) == 1
    assert services.remind_overdue(later) == 0  # once
    reminders = Notification.objects.filter(event="evaluations.overdue", recipient__username="reviewer")
    assert reminders.count() == 1 and "待回访" in reminders.get().text
    _callback(task)
    task.refresh_from_db()
    assert services.remind_overdue(task.rectification_due + datetime.timedelta(days=1)) == 1  # a new stage
    call_command("evaluations_overdue")  # today: nothing overdue any more
    assert Notification.objects.filter(event="evaluations.overdue", recipient__username="reviewer").count() == 2


def test_a_general_window_clerk_s_evaluation_is_answered_by_the_body_running_the_hall(demo):
    """综合窗口 clerks belong to no line department: a bad 工作人员评价 goes to the hall's
    managing body (Hall.department), whose hall managers are told and act; a line
    department's reviewer does not."""
    evaluation = services.evaluate_staff(
        actor=h.user("citizen"),
        staff=h.user("clerk"),
        level=Level.DISSATISFIED,
        indicators=h.WINDOW,
        comment="态度生硬",
    )
    assert (evaluation.department.code, evaluation.hall.name) == ("lh-xzsp", "莲湖区政务服务中心")
    task = evaluation.callback_task
    told = set(
        Notification.objects.filter(event="evaluations.callback_opened").values_list("recipient__username", flat=True)
    )
    assert told == {"manager"}
    with pytest.raises(NotFound):  # a line department's reviewer does not even see it
        _callback(task, who="reviewer")
    with pytest.raises(Forbidden):  # the clerk sees the hall's tasks but answers for nobody
        _callback(task, who="clerk")
    _callback(task, who="manager")
    _rectify(
        task,
        cause="staff",
        who="manager",
        responsible_staff_id=h.user("clerk").pk,
        accountability="批评教育，参加服务规范培训",
    )
    _close(task, who="manager")
    assert _state(task) == CallbackTask.State.CLOSED and task.closed_by.username == "manager"
