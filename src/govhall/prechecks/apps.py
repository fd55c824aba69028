from django.apps import AppConfig


class PrechecksConfig(AppConfig):
    name = "govhall.prechecks"
    label = "prechecks"
    verbose_name = "审前服务"

    def ready(self) -> None:
        # the links on a draft's page and in the menu
        from govhall.prechecks import links  # noqa: F401
