from django.urls import path

from govhall.lockers import views

app_name = "lockers"

urlpatterns = [
    path("", views.index, name="index"),
    path("sites/<str:code>/", views.site, name="site"),
    path("cases/<str:number>/", views.case, name="case"),
    # the cabinet's touch screen (paired once; see views.screen)
    path("screen/<str:code>/", views.screen, name="screen"),
]
