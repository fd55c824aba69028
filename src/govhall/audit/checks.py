"""The retention of the security audit log may be longer than six months, never shorter."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from govhall.audit.services import MIN_RETENTION_DAYS


@checks.register(checks.Tags.security)
def retention_long_enough(app_configs, **kwargs):
    days = settings.GOVHALL_AUDIT_RETENTION_DAYS
    if days < MIN_RETENTION_DAYS:
        return [
            checks.Error(
                f"GOVHALL_AUDIT_RETENTION_DAYS is {days}; security events are kept at least {MIN_RETENTION_DAYS} days.",
                hint="《网络安全法》第二十一条 and 等保 2.0 ask for network logs kept six months or more; "
                "purge_security_audit never deletes younger events whatever this says.",
                id="govhall.audit.E001",
            )
        ]
    return []
