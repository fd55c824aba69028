"""Projects made and moved through the real services (construction, bundles, cases)."""

from __future__ import annotations

from govhall.accounts.models import Applicant, User
from govhall.bundles import selectors as bundle_selectors
from govhall.bundles import services as bundle_services
from govhall.cases import services as case_services
from govhall.construction import demo as construction_demo
from govhall.construction import services
from govhall.construction.models import ConstructionProject

CODE = "2026-610104-48-01-000001"
APPROVER = {a[3]: a[0] for a in construction_demo.APPROVERS}  # department code -> username


def user(username: str) -> User:
    return User.objects.get(username=username)


def company() -> Applicant:
    return Applicant.objects.get(kind=Applicant.Kind.LEGAL, operators__user__username="company")


def project(code: str = CODE, actor: str = "company") -> ConstructionProject:
    return services.project_create(
        actor=user(actor), code=code, name="测试厂房项目", builder=company(), location="莲湖区科创路1号"
    )


def filed(p: ConstructionProject, stage: int, actor: str = "company"):
    return construction_demo.file_and_submit(user(actor), p, stage)


def taken_in(row) -> None:
    bundle_services.bundle_prereview(actor=user("clerk"), bundle_case=row.bundle_case)


def member(row, department: str):
    return next(m.case for m in bundle_selectors.members(row.bundle_case) if m.case.department.code == department)


def decide(row, department: str, action: str = "approve", **params):
    case = member(row, department)
    return case_services.case_transition(case=case, actor=user(APPROVER[department]), action=action, params=params)


__all__ = ["bundle_selectors", "case_services", "construction_demo", "services"]
