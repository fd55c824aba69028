"""POSTing JSON to an outside service (the SMS gateway, real-name and enterprise
verification): one client, one way of failing, for every adapter that speaks plain HTTP
and JSON."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from govhall.core.masking import mask_text


class ServiceError(Exception):
    """The service refused or could not be reached. The text is shown to staff and
    recorded, so it is masked (no full phone or ID numbers)."""


def check_url(url: str, setting: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"{setting} must be an http:// or https:// URL")


def post_json(url: str, body: dict, *, key: str, timeout: float, agent: str, name: str) -> dict:
    """POST ``body`` with ``X-Api-Key: key``; the JSON object answered with a 2xx status.
    Anything else (another status, no answer within ``timeout`` seconds, a body that is
    not a JSON object) is a :class:`ServiceError` naming the service as ``name``."""
    request = urllib.request.Request(  # noqa: S310 - callers check the scheme (check_url)
        url,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "X-Api-Key": key,
            "User-Agent": agent,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode("utf-8", "replace") if exc.fp else ""
        raise ServiceError(mask_text(f"{name}返回 HTTP {exc.code}: {detail}".strip())) from None
    except TimeoutError:
        raise ServiceError(f"{name}在 {timeout:g} 秒内没有应答") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise ServiceError(f"{name}在 {timeout:g} 秒内没有应答") from None
        raise ServiceError(mask_text(f"无法连接{name}: {exc.reason}")) from None
    except OSError as exc:  # connection reset mid-answer and the like
        raise ServiceError(mask_text(f"{name}连接中断: {exc}")) from None
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ServiceError(mask_text(f"{name}应答不是 JSON: " + raw[:200].decode("utf-8", "replace"))) from None
    if not isinstance(answer, dict):
        raise ServiceError(f"{name}应答不是 JSON 对象")
    return answer


class HttpJsonClient:
    """What every plain HTTP/JSON adapter shares: its URL and key from the settings
    ``<setting>_URL`` and ``<setting>_KEY`` (or given), a timeout, and the POST. A
    subclass names its ``setting``, its ``agent`` (User-Agent) and the ``service`` named in
    errors."""

    setting = ""
    agent = ""
    service = ""
    timeout = 10.0  # seconds for connect and for each read

    def __init__(self, *, url: str | None = None, key: str | None = None, timeout: float | None = None):
        self.url = getattr(settings, f"{self.setting}_URL") if url is None else url
        self.key = getattr(settings, f"{self.setting}_KEY") if key is None else key
        if timeout is not None:
            self.timeout = timeout
        check_url(self.url, f"{self.setting}_URL")

    def post(self, body: dict) -> dict:
        return post_json(self.url, body, key=self.key, timeout=self.timeout, agent=self.agent, name=self.service)

    def post_match(self, body: dict) -> bool:
        """A verification service's yes or no: the answer's ``match`` (true or false); an
        answer without one is a :class:`ServiceError` too."""
        answer = self.post(body)
        if not isinstance(answer.get("match"), bool):
            raise ServiceError(f"{self.service}的应答没有 match 结果")
        return answer["match"]
