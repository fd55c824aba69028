from django.urls import path

from govhall.appointments import views

app_name = "appointments"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.start, name="start"),
    path("new/<int:hall_id>/<str:code>/", views.book, name="book"),
    path("day/", views.day, name="day"),
    path("phone/", views.phone, name="phone"),
    path("<int:appointment_id>/", views.detail, name="detail"),
    path("<int:appointment_id>/cancel/", views.cancel, name="cancel"),
    path("<int:appointment_id>/move/", views.move, name="move"),
]
