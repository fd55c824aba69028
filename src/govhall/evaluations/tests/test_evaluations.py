"""Evaluating: one evaluation per case, nobody edits one, only the applicant evaluates,
staff never evaluate what they handled, the rules of levels, indicators and follow-ups."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from govhall.cases.tests import factories as f
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound
from govhall.evaluations import services
from govhall.evaluations.models import CallbackTask, Channel, Evaluation, FollowUp, Level, Subject
from govhall.evaluations.tests import helpers as h

pytestmark = pytest.mark.django_db


def test_the_applicant_evaluates_a_concluded_case_once(demo):
    case = h.issued()
    evaluation = h.evaluate(case, Level.SATISFIED)
    assert (evaluation.subject, evaluation.channel, evaluation.level) == (Subject.CASE, Channel.PC, 4)
    assert evaluation.indicator_set == "online" and set(evaluation.indicators) == set(h.ONLINE)
    assert evaluation.case_state == "issued" and evaluation.department_id == case.department_id
    with pytest.raises(Conflict) as refused:
        h.evaluate(case, Level.VERY_DISSATISFIED)
    assert refused.value.code == "already_evaluated"
    assert Evaluation.objects.filter(case=case).count() == 1
    # the timeline records that it was evaluated
    assert case.events.filter(action="evaluations.evaluated").count() == 1


def test_the_database_allows_one_evaluation_per_case(demo):
    case = h.issued()
    first = h.evaluate(case)
    with pytest.raises(IntegrityError), transaction.atomic():
        Evaluation.objects.create(
            subject=Subject.CASE,
            case=case,
            department=case.department,
            applicant=case.applicant,
            channel=Channel.PJQ,
            level=1,
            indicator_set="window",
            indicators={},
        )
    assert list(Evaluation.objects.filter(case=case)) == [first]


def test_nobody_edits_or_deletes_an_evaluation(demo):
    evaluation = h.evaluate(h.issued(), Level.SATISFIED)
    evaluation.level = Level.VERY_SATISFIED
    with pytest.raises(ValueError, match="不可修改"):
        evaluation.save()
    with pytest.raises(ValueError, match="不可删除"):
        evaluation.delete()
    evaluation.refresh_from_db()
    assert evaluation.level == Level.SATISFIED
    # and the services offer no way to: only creation and one follow-up
    assert not [name for name in dir(services) if name.startswith(("evaluation_update", "evaluation_delete"))]


def test_a_case_not_concluded_is_not_evaluated_online(demo):
    case = h.accepted()
    with pytest.raises(Conflict) as refused:
        h.evaluate(case)
    assert refused.value.code == "not_concluded"


def test_a_denied_case_is_evaluated_too(demo):
    case = f.act(f.accepted(), "approver", "deny", **f.ACTION_PARAMS["deny"])
    assert h.evaluate(case, Level.DISSATISFIED).case_state == "denied"


def test_only_the_applicant_evaluates(demo):
    case = h.issued()
    with pytest.raises(NotFound):  # another applicant does not even see the case
        h.evaluate(case, username="citizen2")
    with pytest.raises(Forbidden) as refused:  # a supervisor sees it but is not its applicant
        h.evaluate(case, username="supervisor")
    assert refused.value.code == "not_applicant"
    assert not Evaluation.objects.exists()


def test_the_operator_of_a_legal_person_evaluates_its_case(demo):
    case = h.issued(username="company")
    assert case.applicant.kind == "legal"
    assert h.evaluate(case, username="company").applicant_id == case.applicant_id


def test_staff_cannot_evaluate_cases_they_handled(demo):
    # the clerk files for themselves at a window? No: the clerk is the applicant of a case
    # they also accepted and issued. They handled it: refused.
    from govhall.accounts.models import Applicant
    from govhall.accounts.validators import id_number_check_char

    clerk = h.user("clerk")
    base = "61010419880808123"
    Applicant.objects.create(kind="natural", name="王芳", id_number=base + id_number_check_char(base), user=clerk)
    case = f.act(f.approved(username="clerk"), "clerk", "issue")
    with pytest.raises(Forbidden) as refused:
        h.evaluate(case, username="clerk")
    assert refused.value.code == "own_case"
    assert clerk.pk in services.handlers(case)


def test_levels_indicators_and_comments_are_checked(demo):
    case = h.issued()
    citizen = h.user("citizen")
    with pytest.raises(DomainError) as refused:
        services.evaluate_case(actor=citizen, case=case, level=6, indicators=h.ONLINE)
    assert refused.value.code == "invalid_level"
    with pytest.raises(DomainError) as refused:
        services.evaluate_case(actor=citizen, case=case, level=5, indicators={"overall": 5})
    assert refused.value.code == "invalid_indicators" and "efficiency" in refused.value.detail
    with pytest.raises(DomainError) as refused:  # the window set is not the online one
        services.evaluate_case(actor=citizen, case=case, level=5, indicators=h.WINDOW)
    assert refused.value.code == "invalid_indicators"
    with pytest.raises(DomainError) as refused:  # a bad review says why
        services.evaluate_case(actor=citizen, case=case, level=2, indicators=h.ONLINE, comment="")
    assert refused.value.code == "comment_required"
    with pytest.raises(DomainError) as refused:
        services.evaluate_case(actor=citizen, case=case, level=5, indicators=h.ONLINE, channel="PJQ")
    assert refused.value.code == "invalid_channel"
    assert not Evaluation.objects.exists()


def test_a_bad_review_opens_a_callback_task_with_a_due_date(demo):
    evaluation = h.evaluate(h.issued(), Level.VERY_DISSATISFIED)
    task = CallbackTask.objects.get(evaluation=evaluation)
    assert task.state == CallbackTask.State.PENDING_CALLBACK and task.department_id == evaluation.department_id
    assert task.callback_due > datetime.date.today() - datetime.timedelta(days=1)
    assert not CallbackTask.objects.filter(evaluation=h.evaluate(h.issued(), Level.FAIRLY_SATISFIED)).exists()


def test_one_follow_up_within_the_limit(demo, settings):
    evaluation = h.evaluate(h.issued())
    with pytest.raises(NotFound):
        services.follow_up_add(actor=h.user("citizen2"), evaluation=evaluation, comment="补充一句")
    services.follow_up_add(actor=h.user("citizen"), evaluation=evaluation, comment="结果已收到，很快")
    with pytest.raises(Conflict) as refused:
        services.follow_up_add(actor=h.user("citizen"), evaluation=evaluation, comment="再补充一句")
    assert refused.value.code == "already_followed_up"
    later = h.evaluate(h.issued())
    settings.GOVHALL_EVALUATION_FOLLOW_UP_DAYS = 0
    with pytest.raises(Conflict) as refused:
        services.follow_up_add(actor=h.user("citizen"), evaluation=later, comment="超过期限的追评")
    assert refused.value.code == "follow_up_closed"
    assert FollowUp.objects.count() == 1


def test_item_and_staff_level_evaluations_need_no_case(demo):
    case = h.issued()
    item = services.evaluate_item(actor=h.user("citizen"), item=case.item, level=5, indicators=h.ONLINE)
    assert (item.subject, item.case_id, item.department_id) == (Subject.ITEM, None, case.department_id)
    staff = services.evaluate_staff(
        actor=h.user("citizen"), staff=h.user("reviewer"), level=1, indicators=h.WINDOW, comment="态度生硬"
    )
    assert staff.subject == Subject.STAFF and staff.staff.username == "reviewer"
    assert CallbackTask.objects.filter(evaluation=staff).exists()
    with pytest.raises(Forbidden):
        services.evaluate_staff(actor=h.user("reviewer"), staff=h.user("reviewer"), level=5, indicators=h.WINDOW)
    with pytest.raises(NotFound):  # an applicant is not staff
        services.evaluate_staff(actor=h.user("citizen"), staff=h.user("citizen2"), level=5, indicators=h.WINDOW)
    with pytest.raises(Forbidden) as refused:  # a staff member with no applicant identity
        services.evaluate_item(actor=h.user("supervisor"), item=case.item, level=5, indicators=h.ONLINE)
    assert refused.value.code == "not_applicant"


def test_concluding_a_case_invites_its_evaluation_by_sms_with_the_link(demo, django_capture_on_commit_callbacks):
    from govhall.notify.models import Notification

    case = f.approved()
    with django_capture_on_commit_callbacks(execute=True):
        f.act(case, "clerk", "issue")
    invitations = Notification.objects.filter(event="evaluations.invitation", case_number=case.number)
    sms = invitations.get(channel=Notification.Channel.SMS)
    assert f"/evaluations/case/{case.number}/?c=SMS" in sms.text
    assert invitations.filter(channel=Notification.Channel.SITE).exists()
    # at least once delivery: a second call sends nothing more
    assert services.invite(case.pk, 0) is False
    with django_capture_on_commit_callbacks(execute=True):
        f.act(case, "clerk", "deliver")
    assert Notification.objects.filter(event="evaluations.invitation", case_number=case.number).count() == 2


def test_an_item_or_a_staff_member_is_evaluated_once_a_day_by_one_applicant(demo):
    case = h.issued()
    citizen = h.user("citizen")
    services.evaluate_item(actor=citizen, item=case.item, level=5, indicators=h.ONLINE)
    services.evaluate_staff(actor=citizen, staff=h.user("reviewer"), level=1, indicators=h.WINDOW, comment="态度生硬")
    for again in (
        lambda: services.evaluate_item(actor=citizen, item=case.item, level=1, indicators=h.ONLINE, comment="再评"),
        lambda: services.evaluate_staff(
            actor=citizen, staff=h.user("reviewer"), level=1, indicators=h.WINDOW, comment="再评"
        ),
    ):
        with pytest.raises(Conflict) as refused:
            again()
        assert refused.value.code == "already_evaluated_today"
    assert CallbackTask.objects.filter(evaluation__staff__username="reviewer").count() == 1
    # another staff member, another applicant: their own evaluations
    services.evaluate_staff(actor=citizen, staff=h.user("approver"), level=5, indicators=h.WINDOW)
    services.evaluate_staff(actor=h.user("citizen2"), staff=h.user("reviewer"), level=5, indicators=h.WINDOW)
    # the next day, again (yesterday's evaluations moved back a day by the test)
    Evaluation.objects.filter(evaluator=citizen).update(created_at=timezone.now() - datetime.timedelta(days=1))
    assert services.evaluate_item(actor=citizen, item=case.item, level=4, indicators=h.ONLINE).level == 4
