from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "govhall.queues"
    label = "queues"
    verbose_name = "取号叫号"
