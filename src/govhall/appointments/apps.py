from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "govhall.appointments"
    label = "appointments"
    verbose_name = "预约"

    def ready(self) -> None:
        # 我的预约 and the staff's day list in the menu
        from govhall.appointments import links  # noqa: F401
