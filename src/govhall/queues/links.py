"""Where the queue shows on pages it does not own (core.links): 叫号工作台 and 排队统计 in the
menu of hall staff, and "关联当前叫号" on the page of a case the clerk may link to the ticket
being served at their window."""

from __future__ import annotations

from django.urls import reverse

from govhall.accounts import scope
from govhall.accounts.roles import Role
from govhall.core import links
from govhall.queues import services
from govhall.queues.models import State, TicketCase


@links.for_nav
def queue_pages(user):
    if user is None or not user.is_authenticated:
        return
    role = scope.staff_role(user)
    if services.staff_hall(user) is not None:
        yield links.Link("叫号", reverse("queues:workbench"), order=15)
    if role in (Role.HALL_MANAGER, Role.ADMINISTRATOR):
        yield links.Link("排队统计", reverse("queues:board"), order=60)


@links.for_case
def current_ticket(case, user):
    if user is None or scope.staff_role(user) != Role.CLERK:
        return
    ticket = services.current_ticket(user)
    if ticket is None or ticket.state != State.SERVING:
        return
    if TicketCase.objects.filter(ticket=ticket, case=case).exists():
        yield links.Link(f"已关联排队号 {ticket.number}", reverse("queues:workbench"), order=30)
    elif case.hall_id in (None, ticket.hall_id):
        # one button: the POST links at once and comes back to the case page
        yield links.Link(
            "关联当前叫号",
            reverse("queues:link_case", args=[case.number]),
            note=f"当前办理 {ticket.number} 号",
            order=30,
            method="post",
        )
