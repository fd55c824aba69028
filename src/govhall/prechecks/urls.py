from django.urls import path

from govhall.prechecks import views

app_name = "prechecks"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/reply/", views.reply, name="reply"),
    path("<str:number>/withdraw/", views.withdraw, name="withdraw"),
    path("<str:number>/materials/<int:material_id>/", views.material, name="material"),
]
