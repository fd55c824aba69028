from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from govhall.accounts.forms import AdminLoginForm
from govhall.api import api
from govhall.catalog.views import attachment, home
from govhall.core.health import healthz, readyz
from govhall.core.metrics import metrics
from govhall.core.views import api_not_found, display_mode

admin.site.site_header = "govhall 政务服务管理后台"
admin.site.site_title = "govhall 管理后台"
admin.site.index_title = "管理"
admin.site.login_form = AdminLoginForm  # counts failures and honours the login lock

urlpatterns = [
    # liveness, readiness and Prometheus metrics (docs/deployment.md, "Monitoring")
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", api_not_found),  # after the API: what it does not answer
    path("accounts/", include("govhall.accounts.urls")),
    path("appointments/", include("govhall.appointments.urls")),
    path("bundle-cases/", include("govhall.bundles.urls")),
    path("construction/", include("govhall.construction.urls")),
    path("evaluations/", include("govhall.evaluations.urls")),
    path("licences/", include("govhall.licences.urls")),
    path("lockers/", include("govhall.lockers.urls")),
    path("notifications/", include("govhall.notify.urls")),
    path("prechecks/", include("govhall.prechecks.urls")),
    path("queue/", include("govhall.queues.urls")),
    path("stats/", include("govhall.stats.urls")),
    path("supervision/", include("govhall.supervision.urls")),
    path("mode/", display_mode, name="display_mode"),  # 标准模式 / 长辈模式
    path("", home, name="home"),
    path("", include("govhall.cases.urls")),
    path("", include("govhall.catalog.urls")),
    # the bundle guide's "在线办理" link (catalog) leads to the bundles app's apply page
    path(
        "bundles/<str:code>/apply/",
        login_required(RedirectView.as_view(pattern_name="bundles:apply", query_string=True)),
        name="bundle_apply_redirect",
    ),
    path("", include("govhall.stations.urls")),  # /stations/ (public), /assist/
    # Of the uploaded files only the catalogue's blank forms and examples have a URL, in
    # development and production alike: MEDIA_ROOT as a whole is personal data (see
    # docs/configuration.md) and is never served as a directory. (MEDIA_URL is "media/".)
    path("media/catalog/<path:path>", attachment, name="catalog_attachment"),
]
