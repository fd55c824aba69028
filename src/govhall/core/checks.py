"""Deploy checks (``manage.py check --deploy``) for settings only govhall knows matter."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def counts_are_shared(app_configs, **kwargs):
    """Rate limits and the login lock count in the cache; in one process's memory, every
    server worker keeps its own counts and a guesser gets that many times the attempts."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("locmem.LocMemCache"):
        return [
            checks.Warning(
                "Rate limits and the login lock count per server process.",
                hint="Set GOVHALL_CACHE=db (and run manage.py createcachetable) when serving with several workers.",
                id="govhall.W001",
            )
        ]
    return []


# The local adapters stand in for services a deployment reaches outside: fine for
# development and demos, a gap when serving the public.
_LOCAL_ADAPTERS = {
    "GOVHALL_IDENTITY_BACKEND": (
        "govhall.accounts.identity.LocalIdentityVerifier",
        "Online registration checks only the resident ID's check digit (no real-name verification).",
        "Point GOVHALL_IDENTITY_BACKEND at HttpJsonIdentityVerifier (GOVHALL_IDENTITY_URL/KEY) or your own adapter.",
        "govhall.W002",
    ),
    "GOVHALL_ENTERPRISE_BACKEND": (
        "govhall.accounts.enterprise.LocalEnterpriseVerifier",
        "Online 法人注册 checks only the credit code's check digit: anyone with a real-name account can "
        "register a company the window has not recorded, as its legal representative.",
        "Point GOVHALL_ENTERPRISE_BACKEND at HttpJsonEnterpriseVerifier (GOVHALL_ENTERPRISE_URL/KEY) or your own "
        "adapter.",
        "govhall.W003",
    ),
    "GOVHALL_SMS_BACKEND": (
        "govhall.notify.backends.OutboxBackend",
        "No SMS is sent: applicants get no case notices by SMS, and registration and password-reset codes never "
        "arrive.",
        "Point GOVHALL_SMS_BACKEND at HttpJsonSmsBackend (GOVHALL_SMS_URL/KEY/SIGN) or your own adapter.",
        "govhall.W004",
    ),
}


@checks.register(checks.Tags.security, deploy=True)
def outside_services_configured(app_configs, **kwargs):
    """Each local adapter still configured at deploy time is worth a warning."""
    return [
        checks.Warning(message, hint=hint, id=check_id)
        for name, (local, message, hint, check_id) in _LOCAL_ADAPTERS.items()
        if getattr(settings, name) == local
    ]
