from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "govhall.audit"
    label = "audit"
    verbose_name = "安全审计"

    def ready(self) -> None:
        # the sign-in and permission receivers, and the retention check
        from govhall.audit import checks, receivers  # noqa: F401
