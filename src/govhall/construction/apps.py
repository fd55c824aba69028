from django.apps import AppConfig


class ConstructionConfig(AppConfig):
    name = "govhall.construction"
    label = "construction"
    verbose_name = "工程建设项目审批"

    def ready(self) -> None:
        # the case-event subscriber (stage results), the links on case pages and in the menu
        from govhall.construction import links, receivers  # noqa: F401
