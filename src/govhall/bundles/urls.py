from django.urls import path

from govhall.bundles import views

app_name = "bundles"

urlpatterns = [
    path("", views.index, name="index"),
    path("intake/", views.intake, name="intake"),
    path("new/<str:code>/", views.apply, name="apply"),
    path("<str:number>/", views.case, name="case"),
]
