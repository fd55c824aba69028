from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "govhall.evaluations"
    label = "evaluations"
    verbose_name = "好差评"

    def ready(self) -> None:
        # the case-event subscriber (invitations), the links on case pages and in the menu,
        # the reporting providers and the timeline kind (services)
        from govhall.evaluations import links, providers, receivers, services  # noqa: F401
