from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from govhall.api import api
from govhall.catalog.views import home

admin.site.site_header = "govhall 政务服务管理后台"
admin.site.site_title = "govhall 管理后台"
admin.site.index_title = "管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("govhall.accounts.urls")),
    path("licences/", include("govhall.licences.urls")),
    path("notifications/", include("govhall.notify.urls")),
    path("", home, name="home"),
    path("", include("govhall.cases.urls")),
    path("", include("govhall.catalog.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
