"""Client errors are sampled in the log: a flood of 4xx keeps a sample and reports how many
it left out; server errors and other records always pass."""

from __future__ import annotations

import logging

from govhall.core.logfilters import ClientErrorSampler


def _record(status: int | None, msg: str = "Not Found: /x") -> logging.LogRecord:
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, msg, None, None)
    if status is not None:
        record.status_code = status
    return record


def test_a_flood_of_client_errors_is_sampled_and_counted():
    now = [0.0]
    sampler = ClientErrorSampler(per_minute=3, clock=lambda: now[0])
    kept = [sampler.filter(_record(404)) for _ in range(10)]
    assert kept == [True] * 3 + [False] * 7
    assert sampler.filter(_record(500)) and sampler.filter(_record(None))  # never dropped
    now[0] = 61.0
    first = _record(429, "Too Many Requests: /api/v1/auth/login")
    assert sampler.filter(first)
    assert first.getMessage() == "Too Many Requests: /api/v1/auth/login （此前一分钟另有 7 条客户端错误未记录）"
    assert sampler.filter(_record(400)).__bool__() and sampler.filter(_record(400))
    assert not sampler.filter(_record(400))


def test_the_project_logging_samples_django_request():
    logger = logging.getLogger("django.request")
    assert any(isinstance(f, ClientErrorSampler) for f in logger.filters)
