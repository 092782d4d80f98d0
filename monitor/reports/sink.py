"""The pipeline sink that writes reports, after the store and the other sinks.

Without a worker the report is built in the caller's thread (the CLI); with a
:class:`~monitor.reports.worker.ReportWorker` it is queued and built in the
background (the daemon). Either way ``publish`` never raises.
"""

from __future__ import annotations

import logging

from monitor.config.models import MonitorConfig
from monitor.reports.publisher import ReportOutcome, ReportPublisher
from monitor.reports.worker import ReportWorker
from monitor.result import RunResult
from monitor.runner import RunData

log = logging.getLogger(__name__)


class ReportSink:
    name = "reports"

    def __init__(self, publisher: ReportPublisher, worker: ReportWorker | None = None) -> None:
        self.publisher = publisher
        self.worker = worker
        self.last: dict[str, ReportOutcome] = {}
        """The latest outcome per monitor (built in the caller's thread only)."""

    def publish(self, monitor: MonitorConfig, result: RunResult, data: RunData | None) -> None:
        try:
            if self.worker is not None:
                self.worker.submit(monitor, result, data)
                return
            prepared = self.publisher.prepare(monitor, data)
            self.last[monitor.name] = self.publisher.publish(monitor, result, prepared)
        except Exception:
            log.exception("monitor %r: report sink failed", monitor.name)
