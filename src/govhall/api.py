"""The versioned JSON API: one NinjaAPI mounting each app's router under /api/v1/."""

from ninja import Schema

from govhall.accounts.api import router as auth_router
from govhall.appointments.api import router as appointments_router
from govhall.bundles.api import router as bundles_router
from govhall.cases.api import progress_router
from govhall.cases.api import router as cases_router
from govhall.catalog.api import bundles_router as bundle_guides_router
from govhall.catalog.api import router as catalog_router
from govhall.construction.api import router as construction_router
from govhall.core.errors import DocumentedAPI, install_handlers
from govhall.evaluations.api import router as evaluations_router
from govhall.licences.api import router as licences_router
from govhall.lockers.api import router as lockers_router
from govhall.prechecks.api import router as prechecks_router
from govhall.queues.api import router as queues_router
from govhall.stations.api import router as stations_router
from govhall.stats.api import router as stats_router
from govhall.supervision.api import router as supervision_router

api = DocumentedAPI(
    title="govhall API",
    version="1",
    description="互联网+政务服务一体化平台 — JSON API. Errors are {code, message, detail}.",
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_handlers(api)


class PingOut(Schema):
    ok: bool


@api.get("/ping", response=PingOut, tags=["health"], summary="Liveness check (also the benchmarks' baseline)")
def ping(request):
    return {"ok": True}


api.add_router("/auth", auth_router)
api.add_router("/catalog", catalog_router)
api.add_router("/bundles", bundle_guides_router)
api.add_router("/cases", cases_router)
api.add_router("/progress", progress_router)
api.add_router("/licences", licences_router)
api.add_router("/lockers", lockers_router)
api.add_router("/bundle-cases", bundles_router)
api.add_router("", stations_router)  # /stations, /assist, /projects
api.add_router("/supervision", supervision_router)
api.add_router("/evaluations", evaluations_router)
api.add_router("/stats", stats_router)
api.add_router("/appointments", appointments_router)
api.add_router("/queue", queues_router)
api.add_router("/construction", construction_router)
api.add_router("/prechecks", prechecks_router)
