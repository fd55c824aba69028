"""The ``evaluation_report`` registry: where evaluations are reported (the national 好差评
platform). One provider at a time, named by ``GOVHALL_EVALUATION_REPORTER`` (Django
setting, else the environment, else ``jsonl``):

* ``jsonl``: appends one JSON object a line to a local file (development, demos, and a
  site that hands the file over by other means); a local stand-in for ``check --deploy``;
* ``http``: POSTs each record to ``GOVHALL_EVALUATION_REPORT_URL`` with
  ``X-Api-Key: GOVHALL_EVALUATION_REPORT_KEY``; a 2xx JSON answer without a true ``error``
  is a receipt;
* or the dotted path of a deployment's own ``Reporter`` subclass.
"""

from __future__ import annotations

import abc
import json
import threading
from pathlib import Path
from typing import Any

from django.conf import settings

from govhall.core.httpjson import ServiceError, check_url, post_json
from govhall.core.registry import LocalWarning, Provider, Registry
from govhall.evaluations import config
from govhall.evaluations.national import canonical


class Reporter(Provider, abc.ABC):
    """Sends one evaluation's national record. Returns a short receipt (stored with the
    record of what was sent); raises ``ServiceError`` when the platform refused or could
    not be reached (recorded as a failure, tried again next run)."""

    @abc.abstractmethod
    def send(self, payload: dict[str, Any]) -> str: ...


class ReporterRegistry(Registry[Reporter]):
    def entries(self) -> list[str]:
        # settings.py does not list this kind's setting: fall back to the environment
        found = super().entries()
        return found or [config.value(self.setting).strip()]


registry = ReporterRegistry(
    "evaluation_report", base=Reporter, setting="GOVHALL_EVALUATION_REPORTER", verbose_name="好差评数据上报"
)

_append_lock = threading.Lock()


def report_file() -> Path:
    configured = config.value("GOVHALL_EVALUATION_REPORT_FILE")
    if configured:
        return Path(configured)
    return Path(getattr(settings, "VAR_DIR", "var")) / "evaluations" / "report.jsonl"


@registry.register("jsonl")
class JsonLinesReporter(Reporter):
    verbose_name = "本地文件（JSON Lines）"
    is_local = True
    local_warning = LocalWarning(
        id="govhall.W301",
        message="Evaluations are reported to a local file, not to the national 好差评 platform.",
        hint="Set GOVHALL_EVALUATION_REPORTER=http with GOVHALL_EVALUATION_REPORT_URL and _KEY.",
    )

    def send(self, payload: dict[str, Any]) -> str:
        path = report_file()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with _append_lock, path.open("ab") as out:
                out.write(canonical(payload) + b"\n")
        except OSError as exc:
            raise ServiceError(f"无法写入上报文件：{exc.strerror or exc}") from None
        return f"已写入 {path.name}"


@registry.register("http")
class HttpReporter(Reporter):
    verbose_name = "国家政务服务平台好差评接口（HTTP/JSON）"
    agent = "govhall-evaluations/1"
    service = "好差评数据汇聚接口"
    timeout = 10.0

    def __init__(self) -> None:
        self.url = config.value("GOVHALL_EVALUATION_REPORT_URL")
        self.key = config.value("GOVHALL_EVALUATION_REPORT_KEY")
        check_url(self.url, "GOVHALL_EVALUATION_REPORT_URL")

    @classmethod
    def check_config(cls) -> list[str]:
        problems = []
        url = config.value("GOVHALL_EVALUATION_REPORT_URL")
        if not url:
            problems.append("GOVHALL_EVALUATION_REPORT_URL is not set")
        elif not url.startswith(("http://", "https://")):
            problems.append("GOVHALL_EVALUATION_REPORT_URL must be an http:// or https:// URL")
        if not config.value("GOVHALL_EVALUATION_REPORT_KEY"):
            problems.append("GOVHALL_EVALUATION_REPORT_KEY is not set")
        return problems

    def send(self, payload: dict[str, Any]) -> str:
        answer = post_json(self.url, payload, key=self.key, timeout=self.timeout, agent=self.agent, name=self.service)
        if answer.get("error"):
            raise ServiceError(f"{self.service}拒绝：{str(answer.get('message') or answer.get('error'))[:200]}")
        return json.dumps(answer, ensure_ascii=False)[:500]
