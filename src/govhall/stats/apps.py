from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "govhall.stats"
    label = "stats"
    verbose_name = "统计分析"

    def ready(self) -> None:
        # the dashboard's link in the menu
        from govhall.stats import links  # noqa: F401
