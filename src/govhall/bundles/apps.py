from django.apps import AppConfig


class BundlesConfig(AppConfig):
    name = "govhall.bundles"
    label = "bundles"
    verbose_name = "一件事办件"

    def ready(self) -> None:
        # the case-event subscriber, the links on case pages and in the menu, the hold on
        # members' delivery
        from govhall.bundles import links, receivers, vetoes  # noqa: F401
