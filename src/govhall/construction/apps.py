from django.apps import AppConfig


class ConstructionConfig(AppConfig):
    name = "govhall.construction"
    label = "construction"
    verbose_name = "工程建设项目审批"
