"""Staff roles: one group per role, and who may register applicants for them."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from govhall.accounts import scope
from govhall.accounts.models import User
from govhall.accounts.roles import ROLE_PERMISSIONS, Role
from govhall.core.errors import Forbidden


@transaction.atomic
def role_groups_ensure() -> dict[str, Group]:
    """Create one group per role with its permissions (idempotent)."""
    groups = {}
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.label)
        wanted = ROLE_PERMISSIONS.get(role, [])
        perms = [
            Permission.objects.get(content_type__app_label=p.split(".")[0], codename=p.split(".")[1]) for p in wanted
        ]
        group.permissions.set(perms)
        groups[role.value] = group
    return groups


# Staff who may register an applicant on the applicant's behalf (window intake, 帮办代办).
REGISTERING_ROLES = (Role.CLERK, Role.HALL_MANAGER, Role.ASSISTANT, Role.ADMINISTRATOR)


def require_registering(actor: User) -> None:
    """Forbidden unless ``actor`` registers applicants at a window or station."""
    if scope.staff_role(actor) not in REGISTERING_ROLES:
        raise Forbidden("只有窗口或帮办代办工作人员可以登记申请人", code="role_not_allowed")
