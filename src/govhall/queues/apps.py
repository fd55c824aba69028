from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "govhall.queues"
    label = "queues"
    verbose_name = "取号叫号"

    def ready(self) -> None:
        # its links in the menu and on case pages
        from govhall.queues import links  # noqa: F401
