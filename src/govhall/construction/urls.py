from django.urls import path

from govhall.construction import views

app_name = "construction"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.project, name="project"),
    path("<str:code>/stages/<int:stage>/file/", views.file_stage, name="file"),
    path("<str:code>/stages/<int:stage>/inspection-plan/", views.schedule_inspection, name="inspection_plan"),
    path("<str:code>/stages/<int:stage>/inspection/", views.record_inspection, name="inspection"),
    path("<str:code>/stages/<int:stage>/result.pdf", views.result_pdf, name="result_pdf"),
]
