"""An httpx transport standing in for Alertmanagers, for faults a real one cannot show."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

Behaviour = Callable[[httpx.Request], httpx.Response]


def ok(_request: httpx.Request) -> httpx.Response:
    return httpx.Response(200)


@dataclass
class FakeAlertmanagers:
    """Records every POST by host; ``behaviour[host]`` decides the answer (default 200)."""

    behaviour: dict[str, Behaviour] = field(default_factory=dict)
    posts: list[tuple[str, list[dict[str, Any]], httpx.Request]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        body = json.loads(request.content) if request.content else []
        with self.lock:
            self.posts.append((host, body, request))
        return self.behaviour.get(host, ok)(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def alerts_to(self, host: str) -> list[dict[str, Any]]:
        with self.lock:
            return [a for h, body, _ in self.posts if h == host for a in body]

    def clear(self) -> None:
        with self.lock:
            self.posts.clear()


def status(code: int) -> Behaviour:
    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(code, text=f"status {code}")

    return answer


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)
