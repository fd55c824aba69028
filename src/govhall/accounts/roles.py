"""Staff roles. Each role is a Django group of the same name; a user's role decides
which actions they may take, their StaffProfile decides on which cases (scope)."""

from django.db import models


class Role(models.TextChoices):
    CLERK = "clerk", "综合窗口受理员"
    REVIEWER = "reviewer", "部门审查员"
    CHIEF_APPROVER = "chief_approver", "首席审批员"
    HALL_MANAGER = "hall_manager", "大厅管理员"
    SUPERVISOR = "supervisor", "电子监察员"
    ASSISTANT = "assistant", "驿站帮办代办员"
    ADMINISTRATOR = "administrator", "系统管理员"


# Django model permissions each role's group holds (app_label.codename).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMINISTRATOR: [
        f"catalog.{verb}_{model}"
        for model in [
            "region",
            "department",
            "topic",
            "serviceitem",
            "materialrequirement",
            "situation",
            "situationoption",
        ]
        for verb in ["view", "add", "change", "delete"]
    ],
    Role.HALL_MANAGER: ["catalog.view_serviceitem", "catalog.view_department", "catalog.view_region"],
    Role.SUPERVISOR: ["catalog.view_serviceitem", "catalog.view_department", "catalog.view_region"],
}
# Oversight roles read cases and licences in the admin too (read-only there: every change
# goes through the workflow). Which cases they see on pages is their scope, not these.
for _role in (Role.ADMINISTRATOR, Role.HALL_MANAGER, Role.SUPERVISOR):
    ROLE_PERMISSIONS[_role] += ["cases.view_case", "licences.view_licence", "accounts.view_hall"]
