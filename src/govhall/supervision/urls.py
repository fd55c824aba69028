from django.urls import path

from govhall.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.board, name="board"),
    path("bulletins/", views.bulletin_create, name="bulletin"),
    path("weekly-report.pdf", views.weekly_report, name="weekly_report"),
    path("import/", views.import_cases, name="import"),
    path("import/template.csv", views.import_template, name="import_template"),
]
