import datetime

import pytest
from django.utils import timezone

from govhall.bundles.tests import factories as bf
from govhall.cases.models import Case, State
from govhall.cases.tests import factories as f
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound
from govhall.notify.models import Notification
from govhall.prechecks import selectors, services
from govhall.prechecks.models import Finding, PrecheckRequest, Status
from govhall.prechecks.tests import helpers as h

pytestmark = pytest.mark.django_db


def test_the_one_notice_is_given_once_and_never_edited(demo):
    case = h.draft()
    before = Case.objects.values("state", "version", "event_count", "updated_at").get(pk=case.pk)
    request = h.asked(case=case)
    assert request.status == Status.PENDING and request.department.code == "lh-scjg"
    assert request.due_date > timezone.localdate()
    replied = services.precheck_reply(
        actor=h.user("reviewer"), request=request.number, outcome="fix", findings=h.FINDINGS
    )
    assert replied.status == Status.REPLIED and replied.reviewer.username == "reviewer"
    assert [(x.target, x.problem) for x in replied.findings.all()] == [
        ("营业执照", "复印件不清晰"),
        ("经营场所", "门牌号缺失"),
    ]
    # the applicant is told, once, on the draft's number
    told = Notification.objects.filter(
        event="prechecks.replied", recipient__username="citizen", channel=Notification.Channel.SITE
    )
    assert told.count() == 1 and "需要修改2项" in told.get().text and told.get().case_number == case.number
    # never a second answer, by the same reviewer or another
    for who in ("reviewer", "approver"):
        with pytest.raises(Conflict) as e:
            services.precheck_reply(actor=h.user(who), request=request.number, outcome="ready")
        assert e.value.code == "already_replied"
    # the findings cannot be edited
    finding = Finding.objects.filter(request=request).first()
    finding.problem = "改过了"
    with pytest.raises(ValueError):
        finding.save()
    assert Finding.objects.get(pk=finding.pk).problem == "复印件不清晰"
    # the draft remains a draft, untouched
    assert Case.objects.values("state", "version", "event_count", "updated_at").get(pk=case.pk) == before
    assert before["state"] == State.DRAFT


def test_reply_needs_a_complete_list(demo):
    request = h.asked()
    reviewer = h.user("reviewer")
    cases = [
        ({"outcome": "fix", "findings": []}, "invalid_finding"),
        ({"outcome": "ready", "findings": h.FINDINGS}, "invalid_field"),
        ({"outcome": "maybe"}, "invalid_field"),
        ({"outcome": "fix", "findings": [{**h.FINDINGS[0], "problem": " "}]}, "invalid_finding"),
        ({"outcome": "fix", "findings": [{**h.FINDINGS[0], "kind": "mood"}]}, "invalid_finding"),
        ({"outcome": "fix", "findings": [{**h.FINDINGS[0], "requirement_id": 999999}]}, "invalid_finding"),
        ({"outcome": "fix", "findings": [{**h.FINDINGS[0], "case_number": "X"}]}, "invalid_finding"),
        ({"outcome": "fix", "findings": ["text"]}, "invalid_finding"),
    ]
    for kw, code in cases:
        with pytest.raises(DomainError) as e:
            services.precheck_reply(actor=reviewer, request=request.number, **kw)
        assert e.value.code == code, kw
    assert PrecheckRequest.objects.get(pk=request.pk).status == Status.PENDING
    requirement = f.selectors.required_materials(request.case)[0]
    ok = services.precheck_reply(
        actor=reviewer,
        request=request.number,
        outcome="fix",
        findings=[{**h.FINDINGS[0], "target": requirement.name, "requirement_id": requirement.id}],
    )
    assert ok.findings.get().requirement_id == requirement.id


def test_who_may_ask(demo):
    case = h.draft()
    with pytest.raises(NotFound):  # another applicant's draft
        services.precheck_request(actor=h.user("citizen2"), case_number=case.number)
    with pytest.raises(NotFound):  # staff never see an applicant's draft
        services.precheck_request(actor=h.user("clerk"), case_number=case.number)
    with pytest.raises(DomainError):
        services.precheck_request(actor=h.user("citizen"))
    h.asked(case=case)
    with pytest.raises(Conflict) as e:
        h.asked(case=case)
    assert e.value.code == "precheck_pending"
    submitted = f.submitted()
    with pytest.raises(Conflict) as e:
        services.precheck_request(actor=h.user("citizen"), case_number=submitted.number)
    assert e.value.code == "not_a_draft"


def test_withdrawn_then_asked_again(demo):
    request = h.asked()
    with pytest.raises(Forbidden):
        services.precheck_withdraw(actor=h.user("reviewer"), request=request.number)
    services.precheck_withdraw(actor=h.user("citizen"), request=request.number)
    with pytest.raises(Conflict) as e:
        services.precheck_reply(actor=h.user("reviewer"), request=request.number, outcome="ready")
    assert e.value.code == "precheck_withdrawn"
    again = h.asked(case=request.case)
    assert again.pk != request.pk and again.status == Status.PENDING


def test_scope_and_who_answers(demo):
    request = h.asked()
    sees = {"citizen", "reviewer", "approver", "clerk", "manager", "supervisor", "admin"}
    for name in sees:
        assert selectors.can_see(h.user(name), request), name
        assert selectors.visible_requests(h.user(name)).filter(pk=request.pk).exists(), name
    outsiders = [h.user("citizen2"), h.user("company"), h.user("assistant"), h.health_reviewer()]
    for outsider in outsiders:
        assert not selectors.can_see(outsider, request), outsider.username
        assert not selectors.visible_requests(outsider).exists()
        with pytest.raises(NotFound):
            services.precheck_reply(actor=outsider, request=request.number, outcome="ready")
    for name in ("manager", "supervisor", "citizen"):
        with pytest.raises(Forbidden):
            services.precheck_reply(actor=h.user(name), request=request.number, outcome="ready")
    assert services.precheck_reply(actor=h.user("clerk"), request=request.number, outcome="ready").outcome == "ready"


def test_a_whole_bundle_draft_is_prechecked_by_the_general_window(demo):
    bf.bundle()
    bundle_case = bf.create()
    request = services.precheck_request(actor=h.user("citizen"), bundle_case_number=bundle_case.number)
    assert request.department is None and request.subject == "我要开餐馆（测试）"
    member = bf.selectors.members(bundle_case)[0].case
    with pytest.raises(Conflict) as e:  # a member alone: the bundle is prechecked whole
        services.precheck_request(actor=h.user("citizen"), case_number=member.number)
    assert e.value.code == "use_bundle"
    # a department reviewer does not see a bundle's precheck; the hall's clerk answers it
    with pytest.raises(NotFound):
        services.precheck_reply(actor=h.user("reviewer"), request=request.number, outcome="ready")
    with pytest.raises(DomainError):  # a finding must name a member
        services.precheck_reply(actor=h.user("clerk"), request=request.number, outcome="fix", findings=h.FINDINGS)
    replied = services.precheck_reply(
        actor=h.user("clerk"),
        request=request.number,
        outcome="fix",
        findings=[{**h.FINDINGS[1], "case_number": member.number}],
    )
    assert replied.findings.get().case_number == member.number
    view = selectors.draft_view(replied)
    assert {c["case_number"] for c in view} == {m.case.number for m in bf.selectors.members(bundle_case)}
    assert {c["state"] for c in view} == {State.DRAFT}


def test_counted_separately_per_department_and_outcome(demo):
    first = h.asked()
    services.precheck_reply(actor=h.user("reviewer"), request=first.number, outcome="fix", findings=h.FINDINGS)
    second = h.asked(case=h.draft())
    services.precheck_reply(actor=h.user("reviewer"), request=second.number, outcome="ready")
    h.asked(case=h.draft())
    today = timezone.localdate()
    rows = selectors.counts(h.user("manager"), today, today)
    totals = selectors.totals(rows)
    assert totals["total"] == 3 and totals["replied"] == 2 and totals["pending"] == 1
    assert totals["fix"] == 1 and totals["ready"] == 1
    assert {r.department for r in rows} == {"西安市莲湖区市场监督管理局"}
    assert (
        selectors.totals(
            selectors.counts(h.user("manager"), today - datetime.timedelta(10), today - datetime.timedelta(1))
        )["total"]
        == 0
    )
    assert selectors.totals(selectors.counts(h.health_reviewer(), today, today))["total"] == 0
    assert selectors.totals(selectors.counts(h.user("citizen"), today, today))["total"] == 0
    # not cases: the case counts do not move
    assert Case.objects.filter(state=State.DRAFT).count() >= 3


def test_the_reply_is_due_in_working_days(demo, settings):
    from govhall.workdays.selectors import get_calendar

    request = h.asked()
    assert request.due_date == get_calendar().add_workdays(timezone.localdate(), 2)
    settings.GOVHALL_PRECHECK_REPLY_WORKDAYS = 5
    later = h.asked(case=h.draft())
    assert later.due_date == get_calendar().add_workdays(timezone.localdate(), 5)


def test_staff_are_reminded_once_of_a_request_past_its_reply_date(demo):
    from django.core.management import call_command

    late, answered = h.asked(), h.asked(case=h.draft())
    services.precheck_reply(actor=h.user("reviewer"), request=answered.number, outcome="ready")
    assert services.remind_overdue(today=late.due_date) == 0  # due today: not late yet
    assert services.remind_overdue(today=late.due_date + datetime.timedelta(days=1)) == 1
    told = Notification.objects.filter(event="prechecks.overdue")
    assert {n.recipient.username for n in told} >= {"clerk", "reviewer", "approver"}
    assert "supervisor" not in {n.recipient.username for n in told}  # who answers, not who oversees
    assert not told.filter(channel=Notification.Channel.SMS).exists()  # a work alert, no SMS
    assert all(late.number in n.text and n.case_number == late.case.number for n in told)
    call_command("prechecks_overdue")  # again (today is before the due date here): nothing new
    assert services.remind_overdue(today=late.due_date + datetime.timedelta(days=9)) == 0  # once
    assert Notification.objects.filter(event="prechecks.overdue").count() == told.count()
