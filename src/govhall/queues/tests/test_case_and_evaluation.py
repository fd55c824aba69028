"""一窗受理 from a ticket: the case the clerk takes in is linked to the ticket being served,
and the window's evaluator screen (好差评) is put on that case."""

from __future__ import annotations

import pytest

from govhall.cases.tests import factories as f
from govhall.core.errors import Conflict, NotFound
from govhall.evaluations import services as evaluation_services
from govhall.evaluations.tests import helpers as eh
from govhall.queues import services
from govhall.queues.models import Source, TicketCase
from govhall.queues.tests.helpers import clerk_at, hall, other_hall

pytestmark = pytest.mark.django_db


def _serving(clerk):
    services.issue(hall=hall(), group="A", source=Source.KIOSK)
    ticket = services.call_next(actor=clerk)
    return services.act(actor=clerk, ticket=ticket, action="start")


def test_ticket_to_case_to_evaluation(demo, clock):
    clerk = f.user("clerk")  # the demo clerk, window 1
    ticket = _serving(clerk)
    case = f.accepted()
    link = services.link_case(actor=clerk, case=case)
    assert link.ticket == ticket and TicketCase.objects.filter(ticket=ticket, case=case).count() == 1
    services.link_case(actor=clerk, case=case)  # twice is once
    assert TicketCase.objects.filter(ticket=ticket).count() == 1
    device, _ = eh.paired_window("1")
    services.act(actor=clerk, ticket=ticket, action="finish")
    shown = services.request_evaluation(actor=clerk, ticket=ticket)
    assert shown.pk == device.pk
    device.refresh_from_db()
    assert evaluation_services.screen_case(device) == case
    evaluation = evaluation_services.screen_submit(device=device, case_id=case.pk, level=5, indicators=eh.WINDOW)
    assert evaluation.case == case and evaluation.window_id == device.window_id
    assert evaluation.staff.username == "clerk"


def test_link_needs_a_ticket_being_served(demo, clock):
    clerk = f.user("clerk")
    case = f.accepted()
    with pytest.raises(Conflict) as error:
        services.link_case(actor=clerk, case=case)
    assert error.value.code == "no_current_ticket"
    services.issue(hall=hall(), group="A", source=Source.KIOSK)
    services.call_next(actor=clerk)
    with pytest.raises(Conflict) as error:
        services.link_case(actor=clerk, case=case)
    assert error.value.code == "invalid_state"


def test_evaluation_needs_a_linked_case(demo, clock):
    clerk = f.user("clerk")
    ticket = _serving(clerk)
    with pytest.raises(Conflict) as error:
        services.request_evaluation(actor=clerk, ticket=ticket)
    assert error.value.code == "no_case_linked"


def test_a_case_the_clerk_cannot_see_is_not_linked(demo, clock):
    _, _, foreign_clerk, _ = other_hall()
    case = f.accepted()
    other = clerk_at("2")
    _serving(other)
    # another hall's clerk has no ticket here and cannot see the case
    with pytest.raises((Conflict, NotFound)):
        services.link_case(actor=foreign_clerk, case=case)
