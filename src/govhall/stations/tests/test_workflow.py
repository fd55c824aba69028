"""The assisted-service request's state table: every (status, action, role), the service that
moves a request, assignment by the manager and by workload."""

from __future__ import annotations

import itertools

import pytest

from govhall.accounts.scope import APPLICANT
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound
from govhall.stations import selectors, services, workflow
from govhall.stations.models import AssistEvent, AssistRequest, AssistStatus
from govhall.stations.tests.helpers import ask, user

pytestmark = pytest.mark.django_db

NEW, ASSIGNED, IN_PROGRESS, DONE, CANCELLED = AssistStatus.values
ROLES = (APPLICANT, workflow.ASSIGNEE, workflow.MANAGER, workflow.ADMIN, workflow.SYSTEM, "supervisor", "clerk")

# The table as the docs print it: (status, action) -> (next status, roles).
EXPECTED = {
    (NEW, "assign"): (ASSIGNED, {workflow.MANAGER, workflow.ADMIN}),
    (ASSIGNED, "assign"): (ASSIGNED, {workflow.MANAGER, workflow.ADMIN}),
    (IN_PROGRESS, "assign"): (ASSIGNED, {workflow.MANAGER, workflow.ADMIN}),
    (NEW, "auto_assign"): (ASSIGNED, {workflow.MANAGER, workflow.ADMIN, workflow.SYSTEM}),
    (ASSIGNED, "start"): (IN_PROGRESS, {workflow.ASSIGNEE}),
    (IN_PROGRESS, "finish"): (DONE, {workflow.ASSIGNEE, workflow.MANAGER, workflow.ADMIN}),
    **{
        (status, "cancel"): (CANCELLED, {APPLICANT, workflow.ASSIGNEE, workflow.MANAGER, workflow.ADMIN})
        for status in (NEW, ASSIGNED, IN_PROGRESS)
    },
}


@pytest.mark.parametrize(
    ("status", "action", "role"), list(itertools.product(AssistStatus.values, workflow.ACTIONS, ROLES))
)
def test_the_table_for_every_status_action_and_role(status, action, role):
    refused = workflow.refusal(status, {role}, action)
    expected = EXPECTED.get((status, action))
    if expected is None:
        assert isinstance(refused, Conflict) and refused.code == "action_not_allowed"
    elif role in expected[1]:
        assert refused is None and workflow.ACTIONS[action].target == expected[0]
    else:
        assert isinstance(refused, Forbidden) and refused.code == "role_not_allowed"


def test_closed_requests_offer_nothing_and_the_system_is_never_offered():
    every = set(ROLES)
    assert workflow.offered(DONE, every) == [] and workflow.offered(CANCELLED, every) == []
    assert [r.action for r in workflow.offered(NEW, {workflow.SYSTEM})] == []
    assert [r.action for r in workflow.offered(ASSIGNED, {APPLICANT})] == ["cancel"]
    with pytest.raises(DomainError) as err:
        workflow.known("approve")
    assert err.value.code == "unknown_action"
    assert len(workflow.table()) == len(workflow.ROWS)


def _history(request: AssistRequest) -> list[tuple[str, str, str]]:
    return list(
        AssistEvent.objects.filter(request=request).order_by("seq").values_list("action", "actor_role", "to_status")
    )


def test_a_request_naming_a_station_goes_to_its_assistant(places):
    request = ask()
    assert (request.status, request.assistant.username, request.hall.name) == (
        ASSIGNED,
        "assistant3",
        "莲湖区政务服务中心",
    )
    assert request.channel == AssistRequest.Channel.ONLINE and request.number.startswith("BB")
    assert _history(request) == [("create", APPLICANT, NEW), ("assign", workflow.SYSTEM, ASSIGNED)]
    assert AssistEvent.objects.get(request=request, action="assign").actor_name == "系统按工作量分派"


def test_assignment_by_workload_within_the_station(places):
    from govhall.stations.demo import COMPANY_CHANGE

    # the park has two assistants: requests alternate between them, the one with fewer open first
    got = [ask("company", station_code="dxxq-park", items=[COMPANY_CHANGE]).assistant.username for _ in range(4)]
    assert sorted(got) == ["assistant", "assistant", "assistant2", "assistant2"]
    assert got[0] != got[1]
    load = selectors.assistant_load([user("assistant"), user("assistant2")])
    assert set(load.values()) == {2}
    # finishing one lightens that assistant: the next goes to them
    request = AssistRequest.objects.filter(assistant__username="assistant2").first()
    services.assist_transition(request=request, actor=user("assistant2"), action="start")
    services.assist_transition(request=request, actor=user("assistant2"), action="finish", comment="已办结")
    assert ask("company", station_code="dxxq-park", items=[COMPANY_CHANGE]).assistant.username == "assistant2"


def test_the_whole_way_and_its_history(places):
    request = ask()
    services.assist_transition(request=request, actor=user("assistant3"), action="start")
    done = services.assist_transition(request=request, actor=user("assistant3"), action="finish", comment="已代办完毕")
    assert (done.status, done.result) == (DONE, "已代办完毕") and done.closed_at and done.started_at
    assert [a for a, _, _ in _history(done)] == ["create", "assign", "start", "finish"]
    with pytest.raises(Conflict) as err:
        services.assist_transition(request=done, actor=user("assistant3"), action="cancel", comment="x")
    assert err.value.code == "action_not_allowed"


def test_without_a_station_the_manager_assigns(places):
    request = ask("citizen2", station_code=None, items=[], mode=AssistRequest.Mode.HELP)
    assert request.status == NEW and request.assistant is None
    with pytest.raises(Forbidden):  # the applicant may not assign
        services.assist_transition(request=request, actor=user("citizen2"), action="auto_assign")
    with pytest.raises(DomainError) as err:
        services.assist_transition(request=request, actor=user("manager"), action="assign")
    assert err.value.code == "missing_field"
    with pytest.raises(DomainError) as err:
        services.assist_transition(request=request, actor=user("manager"), action="assign", assistant=user("clerk"))
    assert err.value.code == "not_an_assistant"
    assigned = services.assist_transition(
        request=request, actor=user("manager"), action="assign", assistant=user("assistant4")
    )
    assert assigned.assistant.username == "assistant4" and _history(assigned)[-1] == (
        "assign",
        "hall_manager",
        ASSIGNED,
    )
    # the manager hands it to another; the first no longer sees it
    services.assist_transition(request=request, actor=user("manager"), action="assign", assistant=user("assistant2"))
    with pytest.raises(NotFound):
        selectors.request_for(user("assistant4"), request.number)


def test_auto_assign_by_the_manager_picks_among_the_halls_stations(places):
    from govhall.stations.demo import FLEXIBLE

    request = ask("citizen2", station_code=None, items=[FLEXIBLE])
    assert request.status == NEW
    # only the community station takes 灵活就业人员参保登记
    assigned = services.assist_transition(request=request, actor=user("manager"), action="auto_assign")
    assert assigned.assistant.username == "assistant3"


def test_auto_assign_without_assistants_is_refused(places):
    from govhall.stations.models import StationAssistant

    request = ask("citizen2", station_code=None, items=[])
    StationAssistant.objects.update(is_active=False)
    with pytest.raises(Conflict) as err:
        services.assist_transition(request=request, actor=user("manager"), action="auto_assign")
    assert err.value.code == "no_assistant_available"
    # and a request at a station without assistants waits for the manager
    assert ask().status == NEW


def test_who_may_do_what(places):
    request = ask()
    # another assistant, another citizen: the request does not exist for them
    for outsider in ("assistant4", "citizen2", "reviewer"):
        with pytest.raises(NotFound):
            services.assist_transition(request=request, actor=user(outsider), action="cancel", comment="x")
    with pytest.raises(Forbidden):  # the applicant cannot start it
        services.assist_transition(request=request, actor=user("citizen"), action="start")
    with pytest.raises(Forbidden):  # a supervisor sees it but only looks
        services.assist_transition(request=request, actor=user("supervisor"), action="cancel", comment="x")
    # staff give a reason when they cancel; the applicant need not
    with pytest.raises(DomainError) as err:
        services.assist_transition(request=request, actor=user("assistant3"), action="cancel")
    assert err.value.code == "missing_field"
    cancelled = services.assist_transition(request=request, actor=user("citizen"), action="cancel")
    assert cancelled.status == CANCELLED and _history(cancelled)[-1] == ("cancel", APPLICANT, CANCELLED)


def test_a_stale_version_is_refused(places):
    request = ask()
    with pytest.raises(Conflict) as err:
        services.assist_transition(
            request=request, actor=user("assistant3"), action="start", expected_version=request.version - 1
        )
    assert err.value.code == "stale_version"
    assert (
        services.assist_transition(
            request=request, actor=user("assistant3"), action="start", expected_version=request.version
        ).status
        == IN_PROGRESS
    )


def test_asking_is_checked(places):
    from govhall.stations.demo import COMPANY_SETUP

    with pytest.raises(DomainError) as err:
        ask(description="  ")
    assert err.value.code == "missing_field"
    with pytest.raises(DomainError) as err:  # the community station does not register companies
        ask(items=[COMPANY_SETUP])
    assert err.value.code == "item_not_at_station"
    with pytest.raises(DomainError) as err:
        ask(items=["NO-SUCH-ITEM"])
    assert err.value.code == "item_not_found"
    with pytest.raises(DomainError) as err:
        ask(mode="everything")
    assert err.value.code == "invalid_field"
