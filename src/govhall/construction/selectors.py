"""Reads of construction projects and who may see them.

A project is seen by its builder's side (the company's operators, whoever created it, an
assistant under the company's live authorisation (委托书) and the dedicated assistant of its
key project), and by staff: the hall that leads it (clerks, hall managers), supervisors of
its region, administrators (``accounts.scope``, ``PROJECT_SCOPE``), and the reviewers and
chief approvers of every department with a member case in one of its stages. A department
sees the whole project page (stages, items, dates), but opens only the cases its own
scope lets it open (``cases.selectors.can_see``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from govhall.accounts import scope
from govhall.accounts.models import StaffProfile, User
from govhall.accounts.roles import Role
from govhall.bundles import selectors as bundle_selectors
from govhall.bundles.models import BundleCaseMember
from govhall.cases import selectors as case_selectors
from govhall.cases.models import State
from govhall.cases.workflow import BEFORE_DECISION
from govhall.construction.models import (
    ConstructionProject,
    InspectionPlan,
    ProjectStage,
    SiteInspection,
    Stage,
    StageDefinition,
)
from govhall.core.errors import NotFound

PROJECT_SCOPE = scope.Policy(applicant="builder", filer="created_by", hall="hall", region="hall__region")

# A member decided in the applicant's favour; any other decided state makes the stage fail.
APPROVED = (State.APPROVED, State.ISSUED, State.DELIVERED)
DEPARTMENT_ROLES = (Role.REVIEWER, Role.CHIEF_APPROVER)
# Staff who may record a joint site inspection (those of the hall, and of the departments present).
HALL_ROLES = (Role.CLERK, Role.HALL_MANAGER)


def _department_filter(user: User) -> Q | None:
    found = scope.reach(user)
    if found is None or found.role not in DEPARTMENT_ROLES or not found.department:
        return None
    ids = BundleCaseMember.objects.filter(case__department_id=found.department).values(
        "bundle_case__construction_stage__project_id"
    )
    return Q(pk__in=ids)


def visible_projects(user: User) -> QuerySet[ConstructionProject]:
    if not user.is_authenticated:
        return ConstructionProject.objects.none()
    condition = scope.applicant_filter(user, PROJECT_SCOPE)
    condition |= Q(key_project__assistant_id=user.pk)
    if scope.staff_role(user) == Role.ASSISTANT:
        condition |= Q(builder_id__in=scope.live_authorisations().filter(assistant=user).values("applicant_id"))
    for extra in (scope.staff_filter(user, PROJECT_SCOPE), _department_filter(user)):
        if extra is not None:
            condition |= extra
    return ConstructionProject.objects.filter(condition).select_related("builder", "hall", "key_project")


def can_see(user: User, project: ConstructionProject) -> bool:
    return visible_projects(user).filter(pk=project.pk).exists()


def project_for(user: User, code: str) -> ConstructionProject:
    """The project if ``user`` may see it; otherwise NotFound (never Forbidden)."""
    found = ConstructionProject.objects.select_related("builder", "hall", "key_project").filter(code=code).first()
    if found is None or not can_see(user, found):
        raise NotFound("未找到该工程建设项目", code="project_not_found")
    return found


def acts_for_builder(user: User, project: ConstructionProject) -> bool:
    """Whether ``user`` files for the builder: its operators, the key project's assistant or
    an assistant under a live authorisation, the filer at a window (a hall clerk)."""
    if scope.acts_for(user, project.builder):
        return True
    if scope.staff_role(user) == Role.ASSISTANT:
        return scope.mandate_for(user, project.builder) is not None
    return scope.staff_role(user) == Role.CLERK and scope.in_staff_scope(user, project, PROJECT_SCOPE)


def definitions() -> dict[int, StageDefinition]:
    return {d.stage: d for d in StageDefinition.objects.all()}


def stage_row(project: ConstructionProject, stage: int) -> ProjectStage | None:
    return ProjectStage.objects.filter(project=project, stage=stage).select_related("bundle_case").first()


def members(stage: ProjectStage) -> list[BundleCaseMember]:
    return bundle_selectors.members(stage.bundle_case) if stage.bundle_case_id else []


def stage_departments(stage: ProjectStage) -> set[int]:
    return {m.case.department_id for m in members(stage)}


def all_decided(member_rows: list[BundleCaseMember]) -> bool:
    return bool(member_rows) and all(m.case.state not in BEFORE_DECISION for m in member_rows)


def department_staff(department_ids: set[int]) -> set[int]:
    """The reviewers and chief approvers of ``department_ids`` (invited to a joint inspection)."""
    if not department_ids:
        return set()
    found = StaffProfile.objects.filter(
        role__in=DEPARTMENT_ROLES, department_id__in=department_ids, user__is_active=True
    )
    return set(found.values_list("user_id", flat=True))


def plan_of(stage: ProjectStage) -> InspectionPlan | None:
    return InspectionPlan.objects.filter(stage=stage).prefetch_related("departments").first()


def inspection_of(stage: ProjectStage) -> SiteInspection | None:
    return SiteInspection.objects.filter(stage=stage).prefetch_related("departments").first()


@dataclass
class StageView:
    stage: int
    label: str
    definition: StageDefinition | None
    row: ProjectStage | None
    members: list[dict] = field(default_factory=list)
    due_date: datetime.date | None = None
    limit_workdays: int = 0
    inspection: SiteInspection | None = None
    plan: InspectionPlan | None = None

    @property
    def status(self) -> str:
        return self.row.status if self.row else "locked"

    @property
    def status_label(self) -> str:
        return self.row.get_status_display() if self.row else "未开启（上一阶段通过后开启）"

    @property
    def awaiting_inspection(self) -> bool:
        return bool(
            self.row
            and self.definition
            and self.definition.inspection_required
            and self.inspection is None
            and self.row.bundle_case_id
        )


def member_line(member: BundleCaseMember, user: User) -> dict:
    case = member.case
    deadline = case_selectors.case_deadline(case)
    return {
        "case_number": case.number,
        "item_code": case.item.code,
        "item_name": case.item.name,
        "department": case.department.name,
        "department_id": case.department_id,
        "state": case.state,
        "state_label": case.get_state_display(),
        "accepted_on": case.accepted_on,
        "due_date": deadline.due_date,
        "overdue": deadline.overdue,
        "licence_number": case.licence_number,
        "decision_reason": case.decision_reason,
        "visible": case_selectors.can_see(user, case),
    }


def stage_view(project: ConstructionProject, stage: int, user: User, defs: dict | None = None) -> StageView:
    defs = defs if defs is not None else definitions()
    row = stage_row(project, stage)
    view = StageView(stage=stage, label=Stage(stage).label, definition=defs.get(stage), row=row)
    if row is not None:
        rows = members(row)
        view.members = [member_line(m, user) for m in rows]
        deadline = bundle_selectors.bundle_deadline(rows)
        view.due_date, view.limit_workdays = deadline.due_date, deadline.limit_workdays
        view.inspection = inspection_of(row)
        view.plan = plan_of(row)
    return view


def project_stages(project: ConstructionProject, user: User) -> list[StageView]:
    defs = definitions()
    return [stage_view(project, s, user, defs) for s in Stage.values]


def current_stage(project: ConstructionProject) -> ProjectStage | None:
    return ProjectStage.objects.filter(project=project).order_by("-stage").first()


def list_for(user: User) -> QuerySet[ConstructionProject]:
    return visible_projects(user).order_by("-created_at", "-id")


def builders_of(user: User) -> list:
    """The companies ``user`` may register a project for as their operator."""
    from govhall.accounts.models import Applicant

    return [a for a in scope.represented(user) if a.kind == Applicant.Kind.LEGAL]


def may_register(user: User) -> bool:
    return scope.staff_role(user) in (*HALL_ROLES, Role.ADMINISTRATOR) or bool(builders_of(user))
