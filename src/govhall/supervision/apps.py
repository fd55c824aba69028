from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "govhall.supervision"
    label = "supervision"
    verbose_name = "电子监察"

    def ready(self) -> None:
        # the case-event subscriber (intake alerts) and the board's link in the menu
        from govhall.supervision import links, receivers  # noqa: F401
