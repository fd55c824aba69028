"""Health endpoints for load balancers and orchestrators (docs/deployment.md, "Monitoring").

``/healthz`` (liveness): the process answers; touches nothing else, so a database outage
does not get every node restarted. ``/readyz`` (readiness): the database, the cache, the
file storage, the task queue and, when they count in Redis, the limits are reachable; 200
with every check ``ok``, 503 naming the ones that failed (by the exception's class, never
its text: no host names, no personal data). Neither needs a session or a CSRF token.
"""

from __future__ import annotations

import logging
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def check_database() -> None:
    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")


def check_cache() -> None:
    key = f"govhall:readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was set")
    cache.delete(key)


def check_storage() -> None:
    default_storage.exists("readyz-probe")  # a HEAD on object storage, a stat on disk


def task_backend_name() -> str:
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.startswith("django_tasks_rq"):
        return "rq"
    if backend.startswith("django_tasks_db"):
        return "db"
    return "immediate" if backend.endswith("ImmediateBackend") else backend


def queue_depth() -> int | None:
    """Tasks waiting to run (None where tasks run at once)."""
    kind = task_backend_name()
    if kind == "rq":
        import django_rq

        return sum(django_rq.get_queue(name).count for name in settings.RQ_QUEUES)
    if kind == "db":
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.ready().count()
    return None


def check_queue() -> None:
    kind = task_backend_name()
    if kind == "rq":
        import django_rq

        django_rq.get_connection("default").ping()
    elif kind == "db":
        queue_depth()


def check_limits() -> None:
    from govhall.core import limits

    counter = limits.backend()
    if isinstance(counter, limits.RedisCounter):
        counter.ping()


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "storage": check_storage,
    "queue": check_queue,
    "limits": check_limits,
}


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure makes the node not ready; the log has the detail
            logger.warning("readiness check %s failed", name, exc_info=True)
            results[name] = f"fail: {type(exc).__name__}"
        else:
            results[name] = "ok"
    return results


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    started = time.monotonic()
    results = run_checks()
    ready = all(value == "ok" for value in results.values())
    body = {
        "status": "ok" if ready else "fail",
        "checks": results,
        "storage": "s3" if settings.STORAGES["default"]["BACKEND"].endswith("S3Storage") else "local",
        "tasks": task_backend_name(),
        "seconds": round(time.monotonic() - started, 3),
    }
    return JsonResponse(body, status=200 if ready else 503)
