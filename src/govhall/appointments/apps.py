from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "govhall.appointments"
    label = "appointments"
    verbose_name = "预约"
