from django.urls import path

from govhall.cases import views

app_name = "cases"

urlpatterns = [
    path("cases/mine/", views.my_cases, name="mine"),
    path("progress/", views.progress, name="progress"),
    path("cases/apply/<str:code>/", views.apply, name="apply"),
    path("cases/<str:number>/", views.case_detail, name="detail"),
    path("cases/<str:number>/upload/", views.case_upload, name="upload"),
    path("cases/<str:number>/act/", views.case_act, name="act"),
    path("cases/<str:number>/instant/", views.case_instant, name="instant"),
    path("cases/<str:number>/identity/", views.case_identity, name="identity"),
    path("cases/<str:number>/verify/", views.case_verify, name="verify"),
    path("workbench/", views.workbench, name="workbench"),
    path("workbench/intake/", views.intake, name="intake"),
]
