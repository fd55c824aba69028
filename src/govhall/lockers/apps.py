from django.apps import AppConfig


class LockersConfig(AppConfig):
    name = "govhall.lockers"
    label = "lockers"
    verbose_name = "自助信包箱"

    def ready(self) -> None:
        # the delivery channels, the timeline kinds, the case-event subscriber, the checks, the
        # links on case pages and in the menu
        from govhall.lockers import checks, events, links, providers, receivers  # noqa: F401
