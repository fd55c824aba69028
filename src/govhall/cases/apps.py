from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "govhall.cases"
    label = "cases"
    verbose_name = "办件"

    def ready(self) -> None:
        from govhall.cases import notices, receivers  # noqa: F401  (subscribes to case events; connects the calendar signals)
