from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "govhall.notify"
    label = "notify"
    verbose_name = "通知"
