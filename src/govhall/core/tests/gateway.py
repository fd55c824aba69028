"""A real local HTTP server standing in for an outside service in adapter tests (no mocks).

``Gateway(routes)`` answers a POST to a path in ``routes`` with its (status, body,
content type); ``/slow`` answers only after ``release`` is set (or 5 s). Every request is
kept in ``requests`` (path, key, content type, JSON body)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = tuple[int, bytes, str]


class Gateway(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes: dict[str, Route]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes = routes
        self.requests: list[dict] = []
        self.release = threading.Event()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


def json_route(answer: object, status: int = 200) -> Route:
    return status, json.dumps(answer, ensure_ascii=False).encode(), "application/json"


class _Handler(BaseHTTPRequestHandler):
    server: Gateway

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.server.requests.append(
            {
                "path": self.path,
                "key": self.headers.get("X-Api-Key"),
                "content_type": self.headers.get("Content-Type"),
                "body": json.loads(self.rfile.read(length)),
            }
        )
        if self.path == "/slow":
            self.server.release.wait(5)
            try:
                self._answer(200, b'{"id": "too-late"}', "application/json")
            except OSError:
                pass
        elif self.path in self.server.routes:
            self._answer(*self.server.routes[self.path])
        else:
            self._answer(404, b"no such path", "text/plain")


@contextmanager
def running(routes: dict[str, Route]) -> Iterator[Gateway]:
    server = Gateway(routes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
