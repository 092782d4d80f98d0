"""A real Alertmanager on loopback and a webhook receiver for its notifications."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from tests.integration.test_prometheus import wait
from tests.servers import binary, free_port


@dataclass
class Receiver:
    """Collects the JSON bodies Alertmanager posts to ``url``."""

    url: str
    notifications: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def received(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.notifications)

    def about(self, alertname: str, status: str | None = None) -> list[dict[str, Any]]:
        """Notifications of the group of ``alertname`` (with ``status`` when given)."""
        return [
            n
            for n in self.received()
            if n.get("groupLabels", {}).get("alertname") == alertname
            and (status is None or n.get("status") == status)
        ]


@contextmanager
def receiver() -> Iterator[Receiver]:
    port = free_port()
    found = Receiver(f"http://127.0.0.1:{port}/hook")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            with found.lock:
                found.notifications.append(body)
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


def routing_config(hook_url: str, *, repeat: str = "1h") -> str:
    """Every alert to the webhook, grouped by alertname and monitor, flushed within a second."""
    return f"""
route:
  receiver: hook
  group_by: [alertname, monitor]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: {repeat}
receivers:
  - name: hook
    webhook_configs:
      - url: {hook_url}
        send_resolved: true
"""


class Alertmanager:
    """``prometheus-alertmanager`` on a fixed loopback port; stop and start keep its
    ``--storage.path`` (silences and the notification log survive, alerts do not)."""

    def __init__(self, root: Path, config: str, *, web_config: Path | None = None) -> None:
        self.exe = binary("prometheus-alertmanager", "alertmanager")
        self.root = root
        self.port = free_port()
        self.config = root / "alertmanager.yml"
        self.config.write_text(config)
        self.web_config = web_config
        self.process: subprocess.Popen[bytes] | None = None
        self.scheme = "https" if web_config is not None else "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def start(self, ready: httpx.Client | None = None) -> None:
        args = [
            self.exe,
            f"--config.file={self.config}",
            f"--storage.path={self.root / 'data'}",
            "--cluster.listen-address=",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]
        if self.web_config is not None:
            args.append(f"--web.config.file={self.web_config}")
        log = (self.root / "alertmanager.log").open("ab")
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        client = ready or httpx.Client(timeout=2)
        wait(
            lambda: client.get(f"{self.url}/-/ready").status_code == 200,
            30,
            f"Alertmanager on port {self.port}",
        )

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def alerts(self, **params: str) -> list[dict[str, Any]]:
        """``GET /api/v2/alerts`` (active alerts)."""
        answer = httpx.get(f"{self.url}/api/v2/alerts", params=params, timeout=5)
        answer.raise_for_status()
        found: list[dict[str, Any]] = answer.json()
        return found

    def alert(self, alertname: str) -> dict[str, Any] | None:
        for alert in self.alerts():
            if alert["labels"].get("alertname") == alertname:
                return alert
        return None


@contextmanager
def alertmanager(root: Path, config: str, **kwargs: Any) -> Iterator[Alertmanager]:
    am = Alertmanager(root, config, **kwargs)
    am.start()
    try:
        yield am
    finally:
        am.stop()
