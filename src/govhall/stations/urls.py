from django.urls import path

from govhall.stations import views

app_name = "stations"

urlpatterns = [
    # public: the nearest service point finder and the stations' pages
    path("stations/", views.finder, name="finder"),
    path("stations/<str:code>/", views.station_detail, name="detail"),
    # 帮办代办
    path("assist/", views.assist_home, name="assist"),
    path("assist/new/", views.assist_new, name="assist_new"),
    path("assist/station/", views.assist_intake, name="assist_intake"),
    path("assist/authorisations/", views.authorisations, name="authorisations"),
    path("assist/dashboard/", views.dashboard, name="dashboard"),
    path("assist/requests/<str:number>/", views.request_detail, name="request"),
    path("assist/requests/<str:number>/act/", views.request_act, name="request_act"),
    path("assist/requests/<str:number>/authorisation/", views.request_authorisation, name="request_authorisation"),
    path("assist/requests/<str:number>/file/", views.request_file, name="request_file"),
    path("assist/requests/<str:number>/link/", views.request_link, name="request_link"),
    # 重点项目
    path("assist/projects/", views.projects, name="projects"),
    path("assist/projects/<str:code>/", views.project_detail, name="project"),
    path("assist/projects/<str:code>/file/", views.project_file, name="project_file"),
    path("assist/projects/<str:code>/link/", views.project_link, name="project_link"),
    path("assist/projects/<str:code>/status/", views.project_status, name="project_status"),
]
