"""Absolute links carried by alerts: the run in the API and the run's HTML report.

Alert notifications are read far from the service, so links are absolute: under
``[service] public_url`` when set, else under the ``listen`` address (a wildcard
address is replaced by this host's name).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from monitor.config.models import ServiceConfig
from monitor.reports.paths import report_url

WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})


def base_url(service: ServiceConfig) -> str:
    if service.public_url is not None:
        return service.public_url
    host = service.host
    if host in WILDCARD_HOSTS:
        host = socket.getfqdn()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{service.port}"


@dataclass(frozen=True)
class Links:
    base: str

    @classmethod
    def of(cls, service: ServiceConfig) -> Links:
        return cls(base_url(service))

    def run(self, run_id: int) -> str:
        """The run in the API (``GET /api/runs/{id}``)."""
        return f"{self.base}/api/runs/{run_id}"

    def runs(self, monitor: str) -> str:
        """The monitor's run history in the API."""
        return f"{self.base}/api/monitors/{quote(monitor, safe='')}/runs"

    def report(self, monitor: str, window_end: datetime) -> str:
        """The HTML report of the window ending at ``window_end``."""
        return report_url(self.base, monitor, window_end)
