from django.urls import path

from govhall.stats import views

app_name = "stats"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.xlsx", views.export, name="export"),
]
