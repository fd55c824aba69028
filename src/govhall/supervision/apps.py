from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "govhall.supervision"
    label = "supervision"
    verbose_name = "电子监察"
