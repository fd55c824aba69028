from django.urls import path

from govhall.catalog import bundle_checklist, views

app_name = "catalog"

urlpatterns = [
    path("items/", views.item_list, name="items"),
    path("items/<str:code>/", views.guide, name="guide"),
    path("items/<str:code>/materials/", views.guide_materials, name="guide_materials"),
    path("items/<str:code>/qr.svg", views.guide_qr, name="guide_qr"),
    path("lists/<str:name>/", views.public_list, name="public_list"),
    path("departments/", views.department_list, name="departments"),
    path("departments/<str:code>/", views.power_list, name="power_list"),
    path("bundles/", views.bundle_list, name="bundles"),
    path("bundles/<str:code>/", views.bundle_guide, name="bundle_guide"),
    path("bundles/<str:code>/checklist.pdf", bundle_checklist.checklist_pdf, name="bundle_checklist"),
]
from govhall.catalog.life import urlpatterns as life_urlpatterns  # noqa: E402  (the life-cycle trees: /life/)

urlpatterns += life_urlpatterns
