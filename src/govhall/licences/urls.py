from django.urls import path

from govhall.licences import views

app_name = "licences"

urlpatterns = [
    path("<str:number>/verify", views.verify, name="verify"),
]
