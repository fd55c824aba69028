"""Demo accounts (password from GOVHALL_DEMO_PASSWORD). Idempotent: running twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from govhall.accounts.models import Applicant, Hall, Operator, StaffProfile, User, Window, WindowGroup
from govhall.accounts.roles import Role
from govhall.accounts.services import role_groups_ensure
from govhall.accounts.validators import id_number_check_char, uscc_check_char
from govhall.core.demo import demo_loader

DEMO_REGION = "610104000000"  # GB/T 2260, 12 digits
DEMO_ID_NUMBER = "61010419900307123" + id_number_check_char("61010419900307123")
DEMO_COMPANY_USCC = "91610104MA6TG1234" + uscc_check_char("91610104MA6TG1234")
DEMO_OTHER_ID_NUMBER = "61010419851112204" + id_number_check_char("61010419851112204")
DEMO_HALL = "莲湖区政务服务中心"
# General intake windows 1–8, the issuing window 9 (统一窗口出件).
DEMO_WINDOWS = [(str(n), Window.Kind.GENERAL) for n in range(1, 9)] + [("9", Window.Kind.ISSUING)]
# 综合窗口分区: (letter, name, departments served); A, with none listed, takes everything else
DEMO_WINDOW_GROUPS = [
    ("A", "综合受理（证照联办）", []),
    ("B", "工程建设项目报建", ["lh-zj", "lh-zrzy", "lh-cg"]),
    ("C", "税务", ["lh-sw"]),
    ("D", "社保医保公积金", ["lh-rs", "lh-yb", "lh-gjj"]),
]
# The body that runs the demo hall and answers for its general windows' clerks (工作人员评价
# and its 回访整改); a department of the catalogue without items of its own.
DEMO_HALL_DEPARTMENT = {
    "code": "lh-xzsp",
    "name": "西安市莲湖区行政审批服务局",
    "short_name": "区行政审批服务局",
    "phone": "029-87654321",
    "order": 16,
}
DEMO_WINDOW_GROUP_OF = {"1": "A", "2": "A", "3": "A", "4": "A", "5": "B", "6": "C", "7": "D", "8": "D"}


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
    DemoAccount("reviewer", "孙丽", "部门审查员（区市场监督管理局）", Role.REVIEWER, "lh-scjg"),
    DemoAccount("manager", "周涛", "大厅管理员（莲湖区政务服务中心）", Role.HALL_MANAGER),
    DemoAccount("supervisor", "陈静", "电子监察员", Role.SUPERVISOR),
    DemoAccount("assistant", "刘洋", "驿站帮办代办员", Role.ASSISTANT),
    DemoAccount("admin", "系统管理员", "系统管理员（超级用户）", Role.ADMINISTRATOR),
    DemoAccount("citizen2", "李娜", "另一位申请人（自然人），用来演示他人办件不可见"),
]


@demo_loader(order=20, accounts=lambda made: [(a.username, a.description) for a in made])
@transaction.atomic
def load() -> list[DemoAccount]:
    from govhall.catalog import services as catalog_services
    from govhall.catalog.models import Department, Region

    groups = role_groups_ensure()
    region = Region.objects.get(code=DEMO_REGION)
    operator = Department.objects.filter(code=DEMO_HALL_DEPARTMENT["code"]).first()
    if operator is None:  # created once: upserting would move the catalogue revision every load
        operator = catalog_services.department_upsert(region_code=DEMO_REGION, **DEMO_HALL_DEPARTMENT)
    hall, _ = Hall.objects.update_or_create(
        region=region,
        name=DEMO_HALL,
        defaults={"address": "西安市莲湖区政务服务中心一层", "phone": "029-87654321", "department": operator},
    )
    window_groups = {}
    for order, (letter, name, departments) in enumerate(DEMO_WINDOW_GROUPS):
        group, _ = WindowGroup.objects.update_or_create(
            hall=hall, letter=letter, defaults={"name": name, "order": order}
        )
        group.departments.set(Department.objects.filter(code__in=departments))
        window_groups[letter] = group
    windows = {
        code: Window.objects.update_or_create(
            hall=hall,
            code=code,
            defaults={"kind": kind, "group": window_groups.get(DEMO_WINDOW_GROUP_OF.get(code, ""))},
        )[0]
        for code, kind in DEMO_WINDOWS
    }
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
                    "hall": hall if account.role in (Role.CLERK, Role.HALL_MANAGER) else None,
                    "window": windows["1"] if account.role == Role.CLERK else None,
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
    citizen2 = User.objects.get(username="citizen2")
    citizen2.phone = "13700137000"
    citizen2.save(update_fields=["phone"])
    Applicant.objects.update_or_create(
        kind=Applicant.Kind.NATURAL,
        id_number=DEMO_OTHER_ID_NUMBER,
        defaults={"name": "李娜", "phone": "13700137000", "user": citizen2},
    )
    company, _ = Applicant.objects.update_or_create(
        kind=Applicant.Kind.LEGAL,
        uscc=DEMO_COMPANY_USCC,
        defaults={"name": "西安莲湖云帆科技有限公司", "legal_representative": "李华", "phone": "13900139000"},
    )
    Operator.objects.get_or_create(applicant=company, user=User.objects.get(username="company"))
    return DEMO_ACCOUNTS
