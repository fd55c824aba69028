from django.urls import path

from govhall.evaluations import views

app_name = "evaluations"

urlpatterns = [
    path("public/", views.public, name="public"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:pk>/follow-up/", views.follow_up, name="follow_up"),
    path("case/<str:number>/", views.case, name="case"),
    path("item/<str:code>/", views.item, name="item"),
    path("staff/<int:user_id>/", views.staff, name="staff"),
    path("staff/card/", views.staff_card, name="staff_card"),
    path("window/<str:number>/", views.window_request, name="window_request"),
    path("list/", views.staff_list, name="list"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/", views.task, name="task"),
    path("tasks/<int:pk>/respond/", views.respond, name="respond"),
    path("devices/", views.devices, name="devices"),
    path("screen/", views.screen, name="screen"),
    path("screen/pair/", views.screen_pair, name="screen_pair"),
]
