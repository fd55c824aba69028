"""Demo accounts (password from GOVHALL_DEMO_PASSWORD). Idempotent: running twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from govhall.accounts.models import Applicant, Operator, StaffProfile, User
from govhall.accounts.roles import Role
from govhall.accounts.services import role_groups_ensure
from govhall.accounts.validators import id_number_check_char, uscc_check_char

DEMO_REGION = "610104"
DEMO_ID_NUMBER = "61010419900307123" + id_number_check_char("61010419900307123")
DEMO_COMPANY_USCC = "91610104MA6TG1234" + uscc_check_char("91610104MA6TG1234")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    description: str
    role: str | None = None
    department: str | None = None


DEMO_ACCOUNTS = [
    DemoAccount("citizen", "张明", "申请人（自然人）"),
    DemoAccount("company", "李华", "申请人（法人“西安莲湖云帆科技有限公司”的经办人）"),
    DemoAccount("clerk", "王芳", "综合窗口受理员（莲湖区政务服务中心）", Role.CLERK),
    DemoAccount("approver", "赵强", "首席审批员（区市场监督管理局）", Role.CHIEF_APPROVER, "lh-scjg"),
    DemoAccount("supervisor", "陈静", "电子监察员", Role.SUPERVISOR),
    DemoAccount("assistant", "刘洋", "驿站帮办代办员", Role.ASSISTANT),
    DemoAccount("admin", "系统管理员", "系统管理员（超级用户）", Role.ADMINISTRATOR),
]


@transaction.atomic
def load() -> list[DemoAccount]:
    from govhall.catalog.models import Department, Region

    groups = role_groups_ensure()
    region = Region.objects.get(code=DEMO_REGION)
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(username=account.username, defaults={"display_name": account.name})
        if created or not user.check_password(settings.GOVHALL_DEMO_PASSWORD):
            user.set_password(settings.GOVHALL_DEMO_PASSWORD)
        user.display_name = account.name
        user.is_staff = account.role is not None
        user.is_superuser = account.username == "admin"
        user.save()
        if account.role:
            StaffProfile.objects.update_or_create(
                user=user,
                defaults={
                    "role": account.role,
                    "region": region,
                    "department": Department.objects.get(code=account.department) if account.department else None,
                },
            )
            user.groups.set([groups[account.role]])
    citizen = User.objects.get(username="citizen")
    citizen.phone = "13800138000"
    citizen.save(update_fields=["phone"])
    Applicant.objects.update_or_create(
        kind=Applicant.Kind.NATURAL,
        id_number=DEMO_ID_NUMBER,
        defaults={"name": "张明", "phone": "13800138000", "user": citizen},
    )
    company, _ = Applicant.objects.update_or_create(
        kind=Applicant.Kind.LEGAL,
        uscc=DEMO_COMPANY_USCC,
        defaults={"name": "西安莲湖云帆科技有限公司", "legal_representative": "李华", "phone": "13900139000"},
    )
    Operator.objects.get_or_create(applicant=company, user=User.objects.get(username="company"))
    return DEMO_ACCOUNTS
