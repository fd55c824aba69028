"""Where stations and assisted service show on pages they do not own (core.links): the
finder and 帮办代办 in the menu, and on a case's page the assistance request and the key
project it belongs to (only for those who may open them)."""

from __future__ import annotations

from django.urls import reverse

from govhall.core import links
from govhall.stations import selectors
from govhall.stations.models import AssistCase, ProjectCase


@links.for_nav
def finder_and_assist(user):
    yield links.Link("服务网点", reverse("stations:finder"), order=20)
    if user is not None and user.is_authenticated:
        yield links.Link("帮办代办", reverse("stations:assist"), order=25)


@links.for_case
def case_assistance(case, user):
    visible = selectors.visible_requests(user)
    for link in AssistCase.objects.filter(case=case, request__in=visible).select_related("request"):
        request = link.request
        yield links.Link(f"帮办代办申请 {request.number}", reverse("stations:request", args=[request.number]), order=40)
    project = ProjectCase.objects.filter(case=case).select_related("project").first()
    if project is not None and selectors.project_can_see(user, project.project):
        yield links.Link(
            f"重点项目：{project.project.name}", reverse("stations:project", args=[project.project.code]), order=50
        )
