"""Building concluded cases and evaluations for the tests through the real services."""

from __future__ import annotations

from govhall.accounts.models import StaffProfile, User, Window
from govhall.accounts.roles import Role
from govhall.cases.models import Case
from govhall.cases.tests import factories as f
from govhall.catalog.models import Department
from govhall.evaluations import services
from govhall.evaluations.models import INDICATORS, Evaluation

ONLINE = {code: 5 for code in INDICATORS["online"]}
WINDOW = {code: 5 for code in INDICATORS["window"]}


def user(username: str) -> User:
    return f.user(username)


def issued(username: str = "citizen") -> Case:
    """A case the market bureau approved and the clerk issued (办结)."""
    return f.act(f.approved(username=username), "clerk", "issue")


def accepted(username: str = "citizen") -> Case:
    return f.accepted(username=username)


def evaluate(case: Case, level: int = 5, username: str = "citizen", comment: str = "") -> Evaluation:
    if level <= 2 and not comment:
        comment = "窗口等候时间太长"
    indicators = {code: level for code in ONLINE}
    return services.evaluate_case(actor=user(username), case=case, level=level, indicators=indicators, comment=comment)


def other_department_reviewer() -> User:
    """A reviewer of the health bureau (the demo has the market bureau's only)."""
    department = Department.objects.get(code="lh-wj")
    staff, _ = User.objects.get_or_create(username="wj-reviewer", defaults={"display_name": "卫健审查员"})
    StaffProfile.objects.get_or_create(
        user=staff, defaults={"role": Role.REVIEWER, "department": department, "region": department.region}
    )
    return staff


def paired_window(code: str = "1"):
    """The demo clerk's window (1) with a paired evaluator screen: (device, secret)."""
    window = Window.objects.get(hall__name="莲湖区政务服务中心", code=code)
    return services.device_pair(actor=user("manager"), window=window)
