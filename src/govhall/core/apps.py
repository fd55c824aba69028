from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "govhall.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        from govhall.core import checks  # noqa: F401  (registers the deploy checks)
