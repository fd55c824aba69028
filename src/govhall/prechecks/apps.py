from django.apps import AppConfig


class PrechecksConfig(AppConfig):
    name = "govhall.prechecks"
    label = "prechecks"
    verbose_name = "审前服务"
