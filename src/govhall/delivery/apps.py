from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "govhall.delivery"
    label = "delivery"
    verbose_name = "送达"

    def ready(self):
        from govhall.delivery import providers  # noqa: F401  (registers the channels govhall ships with)
