"""Accounts' part of security: staff profiles (a role and its scope) changed or removed go
to the security audit log as 角色变更, and ``check --deploy`` warns while staff two-factor
sign-in is off. Connected by ``AccountsConfig.ready``."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from govhall.accounts.models import StaffProfile, User
from govhall.audit.models import Kind
from govhall.audit.services import record

_SCOPE = ("role", "department_id", "region_id", "hall_id", "window_id")


def _shown(profile: StaffProfile) -> dict:
    return {field.removesuffix("_id"): getattr(profile, field) for field in _SCOPE}


@receiver(pre_save, sender=StaffProfile, dispatch_uid="audit_staff_profile_before")
def staff_profile_before(sender, instance: StaffProfile, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    instance.__dict__["_audit_before"] = StaffProfile.objects.filter(pk=instance.pk).values(*_SCOPE).first()


@receiver(post_save, sender=StaffProfile, dispatch_uid="audit_staff_profile_after")
def staff_profile_after(sender, instance: StaffProfile, created, raw=False, **kwargs):
    if raw:
        return
    before = instance.__dict__.pop("_audit_before", None)
    after = _shown(instance)
    if created or before is None:
        data = {"profile": "created", **after}
    else:
        before = {field.removesuffix("_id"): value for field, value in before.items()}
        changed = {k: [before[k], v] for k, v in after.items() if before[k] != v}
        if not changed:
            return  # saved unchanged (the demo loader, an admin "save")
        data = {"profile": "changed", **changed}
    record(kind=Kind.ROLE_CHANGED, subject=instance.user, data=data)


@receiver(post_delete, sender=StaffProfile, dispatch_uid="audit_staff_profile_deleted")
def staff_profile_deleted(sender, instance: StaffProfile, **kwargs):
    # the user by id: when it is being deleted with its profile, it is not read again
    record(kind=Kind.ROLE_CHANGED, subject=User(pk=instance.user_id), data={"profile": "deleted", **_shown(instance)})


@checks.register(checks.Tags.security, deploy=True)
def staff_second_factor_on(app_configs, **kwargs):
    """等保 2.0 level 3 asks for two-factor authentication of administrators; ASVS level 3
    of every privileged user."""
    if not settings.GOVHALL_STAFF_2FA:
        return [
            checks.Warning(
                "Staff sign in with a password alone (GOVHALL_STAFF_2FA is off).",
                hint="Set GOVHALL_STAFF_2FA=1: staff, administrators and superusers then confirm each sign-in with "
                "an authenticator code (docs/security.md).",
                id="govhall.accounts.W001",
            )
        ]
    return []
