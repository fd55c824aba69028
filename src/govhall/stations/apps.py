from django.apps import AppConfig


class StationsConfig(AppConfig):
    name = "govhall.stations"
    label = "stations"
    verbose_name = "驿站与帮办代办"

    def ready(self) -> None:
        # the geocoder and map registries; the case events it follows; its timeline kinds; its
        # links on case pages and in the menu
        from govhall.stations import links, providers, receivers, services  # noqa: F401
