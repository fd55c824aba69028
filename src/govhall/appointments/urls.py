from django.urls import path

from govhall.appointments import views

app_name = "appointments"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.start, name="start"),
    path("new/<int:hall_id>/<str:code>/", views.book, name="book"),
    path("day/", views.day, name="day"),
    path("phone/", views.phone, name="phone"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/move/", views.move, name="move"),
]
