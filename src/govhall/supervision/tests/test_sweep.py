"""The warning sweep: thresholds across holidays, the share rule against the day rule, pauses
and extensions, deferrals and 告知承诺 verifications, and that it records each warning once."""

from __future__ import annotations

import datetime as dt

import pytest

from govhall.cases.models import Case, Commitment, Deferral, State
from govhall.cases.tests import factories as f
from govhall.supervision import sweep
from govhall.supervision.models import Alert, Level, Subject, Thresholds
from govhall.supervision.services import sweep_run
from govhall.workdays.selectors import get_calendar

pytestmark = pytest.mark.django_db

D = dt.date
# Tuesday before the National Day holiday of 2025 (10-01 .. 10-08 off; Saturday 10-11 worked).
EVE = D(2025, 9, 30)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def due(case: Case, when: dt.date, limit: int = 5) -> Case:
    """Put an accepted case's stored clock at ``when`` (as the cases app would have computed)."""
    Case.objects.filter(pk=case.pk).update(due_date=when, limit_workdays=limit)
    case.refresh_from_db()
    return case


def levels(subject: str = Subject.CASE) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for a in Alert.objects.filter(subject=subject).exclude(level=Level.INTAKE).order_by("id"):
        found.setdefault(a.subject_id, []).append(a.level)
    return found


def test_thresholds_become_dates_across_the_national_day_holiday(demo):
    cal = get_calendar()
    assert cal.add_workdays(EVE, 1) == D(2025, 10, 9)
    rules = Thresholds(yellow_share=20, yellow_workdays=2, red_workdays=1)
    cut = sweep.cutoffs(EVE, rules, 20, cal)
    assert cut.red == D(2025, 10, 10)  # due before the 2nd working day after: <= 1 day left
    assert cut.yellow == D(2025, 10, 11)  # the Saturday worked for the holiday
    # 3 days left is yellow from a limit of 15 (20% = 3), 4 days from 20; no further (max 20)
    assert cut.by_share == {cal.add_workdays(EVE, 4): 15, cal.add_workdays(EVE, 5): 20}
    assert sweep.share_days(14, rules) == 2 and sweep.share_days(15, rules) == 3


def test_the_sweep_marks_exactly_the_right_cases_across_the_holiday(demo):
    cases = {
        name: due(f.accepted(), when)
        for name, when in {
            "overdue": D(2025, 9, 29),
            "due_today": EVE,  # 0 working days left: red
            "one_left": D(2025, 10, 5),  # a holiday: still 1 working day left (10-09)
            "after_holiday": D(2025, 10, 9),  # 1 left: red
            "two_left": D(2025, 10, 10),  # 2 left: yellow
            "three_left": D(2025, 10, 11),  # 3 left (the worked Saturday): nothing
            "far": D(2025, 11, 20),
        }.items()
    }
    result = sweep_run(today=EVE)
    found = levels()
    assert found == {
        cases["overdue"].pk: [Level.OVERDUE],
        cases["due_today"].pk: [Level.RED],
        cases["one_left"].pk: [Level.RED],
        cases["after_holiday"].pk: [Level.RED],
        cases["two_left"].pk: [Level.YELLOW],
    }
    assert result.recorded[Subject.CASE] == 5
    alert = Alert.objects.get(subject_id=cases["two_left"].pk)
    case = cases["two_left"]
    assert (alert.case_id, alert.due_date, alert.department_id, alert.hall_id, alert.item_id) == (
        case.pk,
        D(2025, 10, 10),
        case.department_id,
        case.hall_id,
        case.item_id,
    )
    assert alert.region_id == case.department.region_id
    assert alert.staff.username == "clerk"  # who accepted it, from the timeline


def test_run_twice_and_on_later_days_it_records_each_warning_once(demo):
    case = due(f.accepted(), D(2025, 10, 10))
    assert sweep_run(today=EVE).total == 1
    assert sweep_run(today=EVE).total == 0  # same day again
    assert levels() == {case.pk: [Level.YELLOW]}
    assert sweep_run(today=D(2025, 10, 9)).total == 1  # now 1 day left: red, once
    assert sweep_run(today=D(2025, 10, 9)).total == 0
    assert sweep_run(today=D(2025, 10, 10)).total == 0  # still red (due today): nothing new
    assert sweep_run(today=D(2025, 10, 11)).total == 1  # past due: overdue
    assert sweep_run(today=D(2025, 10, 13)).total == 0
    assert levels() == {case.pk: [Level.YELLOW, Level.RED, Level.OVERDUE]}
    assert Alert.objects.count() == Alert.objects.values("subject_id", "level", "due_date").distinct().count()


def test_share_rule_against_the_two_day_rule(demo):
    cal = get_calendar()
    today = D(2025, 11, 3)  # an ordinary Monday
    four = due(f.accepted(), cal.add_workdays(today, 4), limit=20)  # 20% of 20 = 4 left: yellow
    five = due(f.accepted(), cal.add_workdays(today, 5), limit=20)  # 5 left: not yet
    small = due(f.accepted(), cal.add_workdays(today, 3), limit=5)  # 3 left of 5: the 2-day rule says no
    small2 = due(f.accepted(), cal.add_workdays(today, 2), limit=5)  # 2 left: yellow by days
    sweep_run(today=today)
    assert levels() == {four.pk: [Level.YELLOW], small2.pk: [Level.YELLOW]}
    assert five.pk not in levels() and small.pk not in levels()
    # an administrator raises the share to 30%: 20 days -> 6 left is yellow
    Thresholds.objects.update_or_create(pk=sweep.thresholds().pk, defaults={"yellow_share": 30})
    sweep_run(today=today)
    assert five.pk in levels()
    assert small.pk not in levels()


def test_red_threshold_is_configurable(demo):
    cal = get_calendar()
    today = D(2025, 11, 3)
    case = due(f.accepted(), cal.add_workdays(today, 2), limit=5)
    Thresholds.objects.update_or_create(pk=sweep.thresholds().pk, defaults={"red_workdays": 2, "yellow_workdays": 3})
    sweep_run(today=today)
    assert levels() == {case.pk: [Level.RED]}


def test_a_paused_clock_is_not_swept_and_resumes_with_its_new_due_date(demo):
    case = f.accepted()
    original = case.due_date
    f.act(case, "reviewer", "suspend", reason="现场核查")
    case.refresh_from_db()
    assert case.state == State.SUSPENDED
    assert sweep_run(today=original + dt.timedelta(days=30)).total == 0  # suspended: no warning
    # a correction after acceptance stops the clock too (clock_paused), even in an open state
    other = f.accepted()
    Case.objects.filter(pk=other.pk).update(clock_paused=True)
    assert sweep_run(today=other.due_date + dt.timedelta(days=30)).total == 0
    f.act(case, "reviewer", "resume")
    case.refresh_from_db()
    assert case.due_date is not None and case.due_date >= original
    sweep_run(today=case.due_date)
    assert levels() == {case.pk: [Level.RED]}
    alert = Alert.objects.get(subject_id=case.pk)
    assert alert.due_date == case.due_date


def test_an_extension_moves_the_due_date_and_may_warn_again(demo):
    case = f.accepted()
    first_due = case.due_date
    sweep_run(today=first_due)
    assert levels() == {case.pk: [Level.RED]}
    case = f.act(case, "approver", "extend", days="5", reason="需组织专家论证")
    case.refresh_from_db()
    assert case.due_date > first_due
    assert sweep_run(today=first_due).total == 0  # 5 more working days: no warning today
    sweep_run(today=case.due_date)
    assert levels() == {case.pk: [Level.RED, Level.RED]}
    assert sorted(Alert.objects.filter(subject_id=case.pk).values_list("due_date", flat=True)) == [
        first_due,
        case.due_date,
    ]
    assert sweep_run(today=case.due_date).total == 0


def test_concluded_withdrawn_and_draft_cases_are_not_swept(demo):
    approved = f.approved()
    withdrawn = f.act(f.accepted(), "citizen", "withdraw")
    f.draft()
    for c in (approved, withdrawn):
        Case.objects.filter(pk=c.pk).update(due_date=D(2025, 9, 1))
    assert sweep_run(today=EVE).recorded[Subject.CASE] == 0


def test_deferrals_are_supervised_by_their_own_due_date(demo):
    case = f.accepted_with_deferral()
    deferral, *_others = Deferral.objects.filter(case=case).order_by("id")
    Case.objects.filter(pk=case.pk).update(due_date=D(2025, 12, 31))
    Deferral.objects.filter(case=case).update(due_date=D(2025, 12, 31))
    Deferral.objects.filter(pk=deferral.pk).update(due_date=D(2025, 9, 29))
    result = sweep_run(today=EVE)
    assert result.recorded[Subject.DEFERRAL] == 1
    alert = Alert.objects.get(subject=Subject.DEFERRAL)
    assert (alert.level, alert.subject_id, alert.case_id) == (Level.OVERDUE, deferral.pk, case.pk)
    assert sweep_run(today=EVE).total == 0
    # supplied and confirmed: no longer swept
    Deferral.objects.filter(pk=deferral.pk).update(status=Deferral.Status.CONFIRMED, due_date=D(2025, 10, 9))
    assert sweep_run(today=EVE).recorded[Subject.DEFERRAL] == 0


def test_notify_commit_verifications_are_supervised(demo):
    case = f.act(f.accepted(), "approver", "approve", commitment="本人承诺具备与经营项目相适应的场所和设备。")
    commitment = Commitment.objects.get(case=case, kind=Commitment.Kind.NOTIFY_COMMIT)
    assert commitment.verification == Commitment.Verification.PENDING
    Commitment.objects.filter(pk=commitment.pk).update(verification_due=D(2025, 10, 9))
    sweep_run(today=EVE)
    assert levels(Subject.COMMITMENT) == {commitment.pk: [Level.RED]}
    Commitment.objects.filter(pk=commitment.pk).update(verification=Commitment.Verification.PASSED)
    assert sweep_run(today=D(2025, 10, 20)).recorded[Subject.COMMITMENT] == 0


def test_new_warnings_notify_the_department_once(demo):
    from govhall.notify.models import Notification

    due(f.accepted(), D(2025, 9, 29))
    due(f.accepted(), D(2025, 9, 26))
    result = sweep_run(today=EVE)
    assert result.notified == 1
    site = Notification.objects.filter(event="supervision.overdue", channel="site")
    assert set(site.values_list("recipient__username", flat=True)) == {"reviewer", "approver"}
    assert "有2件" in site.first().text
    assert not Alert.objects.filter(notified_at__isnull=True).exists()
    sweep_run(today=EVE)
    sweep_run(today=D(2025, 10, 9))
    assert site.count() == 2  # nothing new, no second notice


def test_the_statement_is_one_insert_select_per_subject(demo):
    found = sweep.statements(EVE)
    assert [s for s, _, _ in found] == [Subject.CASE, Subject.DEFERRAL, Subject.COMMITMENT, Subject.IMPORTED]
    for _, sql, _ in found:
        assert sql.startswith('INSERT INTO "supervision_alert"') and sql.endswith("ON CONFLICT DO NOTHING")
        assert " SELECT " in sql


def test_warnings_stop_standing_when_superseded_concluded_or_moved(demo, django_capture_on_commit_callbacks):
    from govhall.supervision.selectors import current

    case = due(f.accepted(), D(2025, 10, 10))
    sweep_run(today=EVE)
    sweep_run(today=D(2025, 10, 9))  # red supersedes yellow
    standing = current(Alert.objects.filter(subject_id=case.pk))
    assert list(standing.values_list("level", flat=True)) == [Level.RED]
    # the case is decided: its warning is resolved by the case event, before any sweep
    with django_capture_on_commit_callbacks(execute=True):
        f.act(case, "approver", "approve")
    assert not standing.exists()
    assert Alert.objects.filter(subject_id=case.pk, resolved_at__isnull=False).count() == 2
    # a moved due date (the calendar changed) is resolved by the next sweep
    other = due(f.accepted(), D(2025, 10, 9))
    sweep_run(today=EVE)
    Case.objects.filter(pk=other.pk).update(due_date=D(2025, 11, 20))
    result = sweep_run(today=EVE)
    assert result.resolved == 1 and not current(Alert.objects.filter(subject_id=other.pk)).exists()


def test_thresholds_are_edited_in_the_admin_and_checked(client, demo):
    from conftest import login
    from django.core.exceptions import ValidationError

    rules = sweep.thresholds()
    assert (rules.yellow_share, rules.yellow_workdays, rules.red_workdays) == (20, 2, 1)
    rules.red_workdays = 3
    with pytest.raises(ValidationError) as caught:
        rules.full_clean()
    assert "红色预警的剩余工作日不能多于黄色预警的" in str(caught.value)
    login(client, "admin")
    url = f"/admin/supervision/thresholds/{rules.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"yellow_share": "30", "yellow_workdays": "3", "red_workdays": "1"})
    assert response.status_code == 302
    assert sweep.thresholds().yellow_share == 30
    assert client.get("/admin/supervision/thresholds/add/").status_code == 403  # one row only


def test_the_sweep_task(demo):
    from govhall.supervision.tasks import sweep as sweep_task

    case = due(f.accepted(), dt.date.today() - dt.timedelta(days=3))
    result = sweep_task.enqueue()
    assert result.return_value >= 1
    assert Alert.objects.filter(subject_id=case.pk, level=Level.OVERDUE).exists()
