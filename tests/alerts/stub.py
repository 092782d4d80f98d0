"""A stand-in Alertmanager on a real loopback socket, for faults a real one cannot show:
answering 500 on demand, or answering only after the client has given up.

Every ``POST /api/v2/alerts`` is recorded with when it came, how it was answered and
the alerts it carried. ``mode`` is read per request, so a test switches the fault
on and off while the service keeps posting.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from tests.servers import free_port

Mode = Literal["ok", "error", "slow"]


@dataclass(frozen=True)
class Post:
    received: float
    """``time.time()`` when the request arrived."""
    mode: Mode
    """How it was answered: 200 at once, 500 at once, or 200 after ``delay`` seconds."""
    alerts: tuple[dict[str, Any], ...]

    @property
    def accepted(self) -> bool:
        """Answered 200 in time (a slow answer comes after the client gave up)."""
        return self.mode == "ok"


@dataclass
class StubAlertmanager:
    url: str
    mode: Mode = "ok"
    delay: float = 3.0
    posts: list[Post] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def received(self, mode: Mode | None = None) -> list[Post]:
        with self.lock:
            return [p for p in self.posts if mode is None or p.mode == mode]

    def record(self, body: list[dict[str, Any]]) -> Mode:
        with self.lock:
            mode = self.mode
            self.posts.append(Post(time.time(), mode, tuple(body)))
        return mode


def identity(alert: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """An alert's identity in Alertmanager: its label set."""
    return tuple(sorted(alert["labels"].items()))


@contextmanager
def stub_alertmanager() -> Iterator[StubAlertmanager]:
    port = free_port()
    stub = StubAlertmanager(f"http://127.0.0.1:{port}")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"[]")
            mode = stub.record(body)
            if mode == "slow":
                time.sleep(stub.delay)
            code = 500 if mode == "error" else 200
            try:
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the client gave up waiting

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
