from django.urls import path

from govhall.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.board, name="board"),
]
