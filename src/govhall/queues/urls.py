from django.urls import path

from govhall.queues import views

app_name = "queues"

urlpatterns = [
    path("pair/", views.pair, name="pair"),
    path("kiosk/", views.kiosk, name="kiosk"),
    path("door/<str:secret>/", views.door, name="door"),
    path("t/<str:secret>/", views.ticket, name="ticket"),
    path("screen/", views.screen, name="screen"),
    path("screen/state/", views.screen_state, name="screen_state"),
    path("workbench/", views.workbench, name="workbench"),
    path("link/<str:number>/", views.link_case, name="link_case"),
    path("board/", views.board, name="board"),
    path("devices/", views.devices, name="devices"),
]
