"""Build reports on a background thread so a slow report never delays a run.

The daemon creates one worker per process::

    worker = ReportWorker(publisher, maxsize=16)
    worker.start()
    pipeline = Pipeline(runner, store, [exporter_sink, alert_sink, ReportSink(publisher, worker)])
    ...
    worker.stop(timeout=30)     # at shutdown: finishes queued reports, then returns

``submit`` never blocks: the rows are cut to the report's cap first (so a queued
job holds at most ``sample_rows`` rows per window), and when ``maxsize`` jobs are
already waiting the report is skipped and ``report_error`` says so on the run.
Reports are built one at a time, in submission order.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass

from monitor.config.models import MonitorConfig
from monitor.reports.publisher import ReportOutcome, ReportPublisher
from monitor.reports.sampling import SampledData
from monitor.result import RunResult
from monitor.runner import RunData

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Job:
    monitor: MonitorConfig
    result: RunResult
    data: SampledData | None


class ReportWorker:
    def __init__(self, publisher: ReportPublisher, *, maxsize: int = 16) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.publisher = publisher
        self.maxsize = maxsize
        self._queue: queue.Queue[_Job | None] = queue.Queue(maxsize)
        self._thread: threading.Thread | None = None
        self.outcomes: dict[int, ReportOutcome] = {}
        """The outcome of each finished job with a run id (the last 1000)."""

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(
            target=self._loop, name="driftwarden-reports", daemon=True
        )
        self._thread.start()

    def submit(self, monitor: MonitorConfig, result: RunResult, data: RunData | None) -> bool:
        """Queue the run's report; False (and ``report_error`` on the run) when the queue is full."""
        job = _Job(monitor, result, self.publisher.prepare(monitor, data))
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            message = (
                f"report skipped: {self.maxsize} report(s) were already waiting to be built"
            )
            log.warning("monitor %r: %s", monitor.name, message)
            if result.run_id is not None:
                self.publisher.record(result.run_id, None, message)
            return False
        return True

    def join(self) -> None:
        """Wait until every queued report has been built (the worker must be started)."""
        self._queue.join()

    def stop(self, timeout: float | None = None) -> None:
        """Finish the queued reports, then end the thread (waits at most ``timeout``)."""
        thread = self._thread
        if thread is None:
            return
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            log.warning("report worker did not stop: its queue stayed full")
            return
        thread.join(timeout)
        if thread.is_alive():
            log.warning("report worker still building after %s s; leaving it", timeout)
        else:
            self._thread = None

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                outcome = self.publisher.publish(job.monitor, job.result, job.data)
                if job.result.run_id is not None:
                    self.outcomes[job.result.run_id] = outcome
                    while len(self.outcomes) > 1000:
                        self.outcomes.pop(next(iter(self.outcomes)))
            except Exception:  # publish already catches; this keeps the thread alive
                log.exception("report worker: unexpected failure")
            finally:
                self._queue.task_done()
