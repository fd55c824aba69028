"""``/metrics`` in Prometheus's text format (docs/deployment.md, "Monitoring").

Per request: ``govhall_http_requests_total{route, method, status}`` and the histogram
``govhall_http_request_duration_seconds{route, method}``, where ``route`` is the URL
pattern's name (``cases:detail``, ``api-1.0.0:…``), never the path (paths hold case numbers).
At scrape time: ``govhall_database_up``, ``govhall_cache_up``, ``govhall_task_queue_depth``.

Under gunicorn each worker counts apart; with ``PROMETHEUS_MULTIPROC_DIR`` set (an empty
directory per node, emptied at start) prometheus_client's multi-process mode adds up every
worker's counts at scrape (``scripts/gunicorn.conf.py`` marks dead workers).

Who may read it: a scraper sending ``Authorization: Bearer <GOVHALL_METRICS_TOKEN>``, or
one connecting from ``GOVHALL_METRICS_ALLOW`` (addresses or networks; loopback by default).
Anyone else gets 404, as if there were nothing there.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest

REQUESTS = Counter(
    "govhall_http_requests", "HTTP requests answered, by route name, method and status", ["route", "method", "status"]
)
LATENCY = Histogram(
    "govhall_http_request_duration_seconds",
    "Time to answer an HTTP request, by route name and method",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


def middleware(get_response):
    def count(request):
        started = time.perf_counter()
        response = get_response(request)
        route = route_of(request)
        method = request.method if request.method in METHODS else "OTHER"
        REQUESTS.labels(route, method, str(response.status_code)).inc()
        LATENCY.labels(route, method).observe(time.perf_counter() - started)
        return response

    return count


def allowed(request) -> bool:
    token = settings.GOVHALL_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    for entry in settings.GOVHALL_METRICS_ALLOW:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def _gauge(name: str, help_text: str, samples: list[tuple[str, float]]) -> str:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    lines += [f"{name}{labels} {value}" for labels, value in samples]
    return "\n".join(lines) + "\n"


def scrape_time_gauges() -> str:
    from govhall.core import health

    out = []
    for name, check, help_text in (
        ("govhall_database_up", health.check_database, "1 if every configured database answers SELECT 1"),
        ("govhall_cache_up", health.check_cache, "1 if the cache stores and returns a value"),
    ):
        try:
            check()
            up = 1
        except Exception:
            up = 0
        out.append(_gauge(name, help_text, [("", up)]))
    try:
        depth = health.queue_depth()
    except Exception:
        depth = None
    backend = health.task_backend_name()
    out.append(
        _gauge(
            "govhall_task_queue_depth",
            "Tasks waiting to run (-1: the queue could not be read; 0 with immediate tasks)",
            [(f'{{backend="{backend}"}}', -1 if depth is None and backend != "immediate" else depth or 0)],
        )
    )
    return "".join(out)


@never_cache
def metrics(request):
    if not allowed(request):
        raise Http404
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    body = generate_latest(registry).decode() + scrape_time_gauges()
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
