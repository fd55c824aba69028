"""Where construction projects show on pages they do not own (core.links): a member case of a
stage links to its project, and the menu to 工程建设项目."""

from __future__ import annotations

from django.urls import reverse

from govhall.construction import selectors
from govhall.construction.models import ProjectStage
from govhall.core import links


@links.for_case
def case_project(case, user):
    row = ProjectStage.objects.filter(bundle_case__members__case=case).select_related("project").first()
    if row is None or not selectors.can_see(user, row.project):
        return
    yield links.Link(
        "工程建设项目",
        reverse("construction:project", args=[row.project.code]),
        f"本办件属于“{row.project.name}”{row.get_stage_display()}阶段的并联审批",
        order=6,
    )


@links.for_nav
def my_projects(user):
    if user is None or not user.is_authenticated:
        return
    if selectors.visible_projects(user).exists() or selectors.may_register(user):
        yield links.Link("工程建设项目", reverse("construction:index"), order=26)
