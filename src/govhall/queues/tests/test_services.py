"""The ticket life cycle, numbering, the priority rule and who may act."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache

from govhall.accounts.models import Applicant
from govhall.accounts.roles import Role
from govhall.accounts.validators import id_number_check_char
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound
from govhall.queues import selectors, services, workflow
from govhall.queues.models import Priority, Source, State
from govhall.queues.tests.helpers import clerk_at, hall, other_hall, staff

pytestmark = pytest.mark.django_db


def _id(birth: str) -> str:
    first17 = f"610104{birth}123"
    return first17 + id_number_check_char(first17)


def _issue(letter="A", **kwargs):
    return services.issue(hall=hall(), group=letter, source=Source.KIOSK, **kwargs)[0]


def test_numbers_per_group_and_day(demo, clock):
    assert [_issue("A").number for _ in range(3)] == ["A001", "A002", "A003"]
    assert _issue("B").number == "B001"
    clock.advance(days=1)
    assert _issue("A").number == "A001"


def test_unknown_group_and_bad_id_number(demo, clock):
    with pytest.raises(NotFound) as error:
        _issue("Z")
    assert error.value.code == "group_not_found"
    with pytest.raises(DomainError) as error:
        _issue("A", id_number="610104195001011234")
    assert error.value.code == "invalid_id_number"


def test_age_from_id_number():
    today = datetime.date(2026, 12, 4)
    assert services.age_from_id_number(_id("19661204"), today) == 60
    assert services.age_from_id_number(_id("19661205"), today) == 59
    assert services.age_from_id_number("61010419661204123X", today) is None  # wrong check digit


def test_priority_classes_then_issue_time(demo, clock):
    ordinary = _issue("A")
    clock.advance(minutes=1)
    appointment_like = services.issue(hall=hall(), group="A", source=Source.KIOSK, appointment_code="X1")[0]
    clock.advance(minutes=1)
    elderly = _issue("A", id_number=_id("19500101"))
    clock.advance(minutes=1)
    disabled = _issue("A", disabled=True)
    assert elderly.priority == Priority.ELDERLY and disabled.priority == Priority.DISABLED
    assert appointment_like.priority == Priority.APPOINTMENT
    clerk = clerk_at("1")
    order = []
    for _ in range(4):
        ticket = services.call_next(actor=clerk)
        order.append(ticket.pk)
        services.act(actor=clerk, ticket=ticket, action="start")
        services.act(actor=clerk, ticket=ticket, action="finish")
    assert order == [elderly.pk, disabled.pk, appointment_like.pk, ordinary.pk]
    assert services.call_next(actor=clerk) is None


def test_ordinary_ticket_is_not_starved(demo, clock):
    """A priority ticket overtakes only ordinary tickets issued less than its credit earlier."""
    old = _issue("A")
    clock.advance(minutes=31)
    for _ in range(5):
        _issue("A", elderly=True)
    assert services.call_next(actor=clerk_at("1")).pk == old.pk


def test_key_project_of_the_company_is_priority(demo, clock):
    from govhall.stations.demo import load

    load()
    from govhall.stations.models import KeyProject

    project = KeyProject.objects.filter(status=KeyProject.Status.ACTIVE).first()
    ticket = _issue("B", applicant=project.company)
    assert ticket.priority == Priority.KEY_PROJECT and ticket.key_project == project
    by_code = services.issue(
        hall=hall(), group="B", source=Source.CLERK, actor=clerk_at("5"), key_project=project.code
    )[0]
    assert by_code.priority == Priority.KEY_PROJECT
    with pytest.raises(NotFound):
        _issue("B", key_project="NO-SUCH")


def test_a_green_channel_applicant_is_priority(demo, clock):
    from govhall.accounts.models import Applicant

    applicant = Applicant.objects.get(user__username="citizen2")
    assert _issue("A", applicant=applicant).priority == Priority.NONE
    Applicant.objects.filter(pk=applicant.pk).update(green_channel=True, green_channel_reason="残疾人")
    applicant.refresh_from_db()
    assert _issue("A", applicant=applicant).priority == Priority.GREEN_CHANNEL


def test_full_cycle_and_times(demo, clock):
    ticket = _issue("A")
    clerk = clerk_at("2")
    clock.advance(minutes=12)
    called = services.call_next(actor=clerk)
    assert called.pk == ticket.pk and called.state == State.CALLED and called.window.code == "2"
    assert called.wait_seconds == 720
    clock.advance(seconds=30)
    services.act(actor=clerk, ticket=called, action="start")
    clock.advance(minutes=6)
    done = services.act(actor=clerk, ticket=called, action="finish")
    assert done.state == State.FINISHED and done.service_seconds == 360 and done.window is None


def test_recall_until_the_limit_then_miss_and_requeue_to_the_back(demo, clock, settings):
    settings.GOVHALL_QUEUE_MAX_CALLS = 3
    first, second = _issue("A"), _issue("A")
    clerk = clerk_at("1")
    called = services.call_next(actor=clerk)
    assert called.pk == first.pk
    with pytest.raises(Conflict) as error:
        services.act(actor=clerk, ticket=called, action="miss")
    assert error.value.code == "not_called_enough"
    services.act(actor=clerk, ticket=called, action="recall")
    services.act(actor=clerk, ticket=called, action="recall")
    with pytest.raises(Conflict) as error:
        services.act(actor=clerk, ticket=called, action="recall")
    assert error.value.code == "max_calls_reached"
    missed = services.act(actor=clerk, ticket=called, action="miss")
    assert missed.state == State.MISSED
    clock.advance(minutes=1)
    back = services.act(actor=clerk, ticket=missed, action="requeue")
    assert back.state == State.WAITING and back.call_count == 0
    assert selectors.position(back) == 2  # behind the second ticket
    assert services.call_next(actor=clerk).pk == second.pk


def test_park_keeps_the_place(demo, clock):
    first = _issue("A")
    clock.advance(minutes=1)
    second = _issue("A")
    clerk = clerk_at("1")
    services.call_next(actor=clerk)
    services.act(actor=clerk, ticket=first, action="start")
    parked = services.act(actor=clerk, ticket=first, action="park")
    assert parked.state == State.PARKED and parked.window is None
    # the window is free again
    assert services.call_next(actor=clerk).pk == second.pk
    services.act(actor=clerk, ticket=second, action="start")
    services.act(actor=clerk, ticket=second, action="finish")
    services.act(actor=clerk, ticket=first, action="resume")
    clock.advance(minutes=1)
    _issue("A")
    assert services.call_next(actor=clerk).pk == first.pk


def test_transfer_keeps_number_and_place(demo, clock):
    early = _issue("A")
    clock.advance(minutes=5)
    _issue("C")
    clerk_a, clerk_c = clerk_at("1"), clerk_at("6")
    services.call_next(actor=clerk_a)
    moved = services.act(actor=clerk_a, ticket=early, action="transfer", group="C")
    assert moved.number == "A001" and moved.group.letter == "C" and moved.state == State.WAITING
    assert services.call_next(actor=clerk_c).pk == early.pk
    with pytest.raises(Conflict) as error:
        services.act(actor=clerk_c, ticket=moved, action="transfer", group="C")
    assert error.value.code in ("same_group", "invalid_state")


def test_window_holds_one_ticket(demo, clock):
    _issue("A"), _issue("A")
    clerk = clerk_at("1")
    services.call_next(actor=clerk)
    with pytest.raises(Conflict) as error:
        services.call_next(actor=clerk)
    assert error.value.code == "window_busy"


def test_invalid_transitions_are_refused(demo, clock):
    ticket = _issue("A")
    clerk = clerk_at("1")
    for action in ("recall", "miss", "start", "finish", "resume", "requeue"):
        with pytest.raises(Conflict):
            services.act(actor=clerk, ticket=ticket, action=action)
    with pytest.raises(DomainError) as error:
        services.act(actor=clerk, ticket=ticket, action="explode")
    assert error.value.code == "unknown_action"


def test_who_may_act(demo, clock):
    ticket = _issue("A")
    _, _, foreign_clerk, foreign_manager = other_hall()
    for actor in (foreign_clerk, foreign_manager):
        with pytest.raises(NotFound):
            services.act(actor=actor, ticket=ticket, action="cancel")
    # another clerk of the hall cannot finish a ticket at someone else's window
    mine, theirs = clerk_at("1"), clerk_at("2")
    services.call_next(actor=mine)
    services.act(actor=mine, ticket=ticket, action="start")
    with pytest.raises(Forbidden):
        services.act(actor=theirs, ticket=ticket, action="finish")
    # the hall manager may
    manager = staff(Role.HALL_MANAGER, hall())
    assert services.act(actor=manager, ticket=ticket, action="finish").state == State.FINISHED
    # a reviewer or an applicant is no clerk
    from govhall.accounts.models import User

    for name in ("reviewer", "citizen"):
        with pytest.raises(Forbidden):
            services.call_next(actor=User.objects.get(username=name))
    with pytest.raises(Forbidden):
        services.issue(hall=hall(), group="A", source=Source.CLERK, actor=foreign_clerk)


def test_cancel_own_by_secret(demo, clock):
    ticket, secret = services.issue(hall=hall(), group="A", source=Source.PHONE)
    assert services.ticket_for_secret(secret).pk == ticket.pk
    assert services.ticket_for_secret(secret + "x") is None
    assert services.cancel_own(ticket=ticket).state == State.CANCELLED
    with pytest.raises(Conflict):
        services.cancel_own(ticket=ticket)


def test_wait_estimate(demo, clock):
    clerk = clerk_at("1")
    # three services of 10 minutes each
    for _ in range(3):
        t = _issue("A")
        services.call_next(actor=clerk)
        services.act(actor=clerk, ticket=t, action="start")
        clock.advance(minutes=10)
        services.act(actor=clerk, ticket=t, action="finish")
    waiting = [_issue("A") for _ in range(4)]
    found = selectors.estimate(waiting[3])
    assert found.position == 4 and found.windows == 1 and found.service_minutes == 10.0
    assert found.minutes == 40
    # a second window calling halves it (once the group's figures are read again: they are
    # remembered for ESTIMATE_CACHE_SECONDS)
    second = clerk_at("2")
    services.call_next(actor=second)
    cache.clear()
    found = selectors.estimate(waiting[3])
    assert found.position == 3 and found.windows == 2 and found.minutes == 15


def test_default_service_time_without_history(demo, clock):
    ticket = _issue("D")
    found = selectors.estimate(ticket)
    assert found.position == 1 and found.minutes == workflow.DEFAULT_SERVICE_MINUTES


def test_applicant_elderly_from_record(demo, clock):
    applicant = Applicant.objects.create(kind=Applicant.Kind.NATURAL, name="王大爷", id_number=_id("19400301"))
    assert _issue("A", applicant=applicant).priority == Priority.ELDERLY


def test_the_daily_close_expires_yesterdays_open_tickets_and_frees_their_windows(demo, clock):
    from django.core.management import call_command

    clerk = clerk_at("1")
    done, parked, served, waiting = _issue("A"), _issue("A"), _issue("A"), _issue("A")
    for ticket, steps in ((done, ["start", "finish"]), (parked, ["start", "park"]), (served, ["start"])):
        called = services.call_next(actor=clerk)  # in the order of issue
        assert called.pk == ticket.pk
        for action in steps:
            called = services.act(actor=clerk, ticket=called, action=action)
    clock.advance(days=1)
    today_ticket = _issue("A")
    assert services.close_days() == 3
    states = {t.pk: t.state for t in type(waiting).objects.all()}
    assert states[waiting.pk] == states[parked.pk] == states[served.pk] == State.EXPIRED
    assert states[done.pk] == State.FINISHED and states[today_ticket.pk] == State.WAITING
    assert not type(waiting).objects.filter(state=State.EXPIRED, window__isnull=False).exists()
    # the window is free for today's first call; a second close finds nothing
    assert services.call_next(actor=clerk).pk == today_ticket.pk
    assert services.close_days() == 0
    yesterday = clock().date() - datetime.timedelta(days=1)
    stats = selectors.statistics(hall(), yesterday, yesterday)
    assert stats["total"]["expired"] == 3 and stats["total"]["finished"] == 1
    call_command("queues_close_day", "--date", "2000-01-01")  # nothing before that
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        call_command("queues_close_day", "--date", "yesterday")


def test_an_applicant_near_the_front_gets_one_sms_to_get_ready(
    demo, clock, settings, django_capture_on_commit_callbacks
):
    from govhall.notify.models import Notification

    settings.GOVHALL_QUEUE_REMIND_AHEAD = 3
    applicant = Applicant.objects.create(kind="natural", name="排队人", id_number=_id("19900101"), phone="13900001111")
    # the applicant's ticket: their ID card read at the kiosk names them
    tickets = [_issue("A") for _ in range(3)] + [_issue("A", id_number=applicant.id_number)] + [_issue("A")]
    assert tickets[3].applicant_id == applicant.pk
    clerk, other = clerk_at("1"), clerk_at("2")

    def sms():
        return list(Notification.objects.filter(event="queues.turn_near", channel="sms"))

    with django_capture_on_commit_callbacks(execute=True):
        assert services.call_next(actor=clerk).pk == tickets[0].pk  # the applicant's ticket is 3rd now
    [message] = sms()
    assert message.phone == "13900001111"
    assert f"{tickets[3].number}号前面还有2人" in message.text and "A区" in message.text
    settings.GOVHALL_QUEUE_REMIND_AHEAD = 2  # the ticket is 2nd after the next call: not told again
    with django_capture_on_commit_callbacks(execute=True):
        assert services.call_next(actor=other).pk == tickets[1].pk
    assert len(sms()) == 1
    # 2nd after the next call is a kiosk number without an applicant: nothing to send
    services.act(actor=clerk, ticket=tickets[0], action="start")
    services.act(actor=clerk, ticket=tickets[0], action="finish")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.call_next(actor=clerk).pk == tickets[2].pk
    assert len(sms()) == 1


def test_a_window_that_also_serves_another_group_calls_the_earliest_of_both(demo, clock):
    from govhall.accounts.models import Window
    from govhall.queues.tests.helpers import group

    clerk = clerk_at("1")  # window 1 of group A
    window = Window.objects.get(pk=clerk.staff_profile.window_id)
    quiet = _issue("B")
    clock.advance(minutes=1)
    own = _issue("A")
    assert services.call_next(actor=clerk).pk == own.pk  # its own group only
    services.act(actor=clerk, ticket=own, action="start")
    services.act(actor=clerk, ticket=own, action="finish")
    window.also_serves.add(group("B"), group("A", other_hall()[0]))  # another hall's group is ignored
    clock.advance(minutes=1)
    later = _issue("A")
    assert services.served_group_ids(window) == [group("A").pk, group("B").pk]
    assert services.call_next(actor=clerk).pk == quiet.pk  # B001 waited longest
    lists = selectors.workbench(hall().pk, services.served_group_ids(window))
    assert [line["ticket"].pk for line in lists["waiting"]] == [later.pk]
    services.act(actor=clerk, ticket=quiet, action="start")
    services.act(actor=clerk, ticket=quiet, action="finish")
    assert services.call_next(actor=clerk).pk == later.pk
