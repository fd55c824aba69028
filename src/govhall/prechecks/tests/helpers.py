"""Drafts made through the real services, and prechecks asked for and answered."""

from __future__ import annotations

from django.conf import settings

from govhall.accounts.models import StaffProfile, User
from govhall.accounts.roles import Role
from govhall.cases.tests import factories as f
from govhall.catalog.models import Department
from govhall.prechecks import services

FOOD = f.FOOD  # 食品经营许可, 区市场监督管理局 (the demo reviewer's and approver's department)

FINDINGS = [
    {"kind": "material", "target": "营业执照", "problem": "复印件不清晰", "needed": "上传清晰的彩色扫描件"},
    {"kind": "field", "target": "经营场所", "problem": "门牌号缺失", "needed": "填写到门牌号"},
]


def user(username: str) -> User:
    return User.objects.get(username=username)


def draft(username: str = "citizen"):
    return f.draft(FOOD, username)


def asked(username: str = "citizen", case=None):
    case = case or draft(username)
    return services.precheck_request(
        actor=user(username), case_number=case.number, question="经营场所证明可以用租赁合同吗？"
    )


def health_reviewer() -> User:
    department = Department.objects.get(code="lh-wj")
    found, _ = User.objects.get_or_create(username="wj-reviewer", defaults={"display_name": "卫健审查员"})
    if not found.check_password(settings.GOVHALL_DEMO_PASSWORD):
        found.set_password(settings.GOVHALL_DEMO_PASSWORD)
        found.save()
    StaffProfile.objects.get_or_create(
        user=found, defaults={"role": Role.REVIEWER, "department": department, "region": department.region}
    )
    return found
