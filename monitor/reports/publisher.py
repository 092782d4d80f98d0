"""Write a run's report into the reports folder and keep the folder in order.

For each run: build the page, write ``<monitor>/<stamp>.html`` atomically,
refresh ``<monitor>/latest.html`` when this is the newest window, apply
retention, record the path (or the error) on the stored run, and rebuild
``index.html``. Nothing here raises: a report that cannot be built or written
becomes ``report_error`` on the run and a log line.

``latest.html`` is a copy written through the same atomic writer, not a
symlink: a copy is served by any static server without following links,
survives copying the folder to object storage or another host, and is
independent of retention removing the dated file.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from monitor.config.models import MonitorConfig
from monitor.reports.atomic import write_atomic
from monitor.reports.build import BuiltReport, build_report
from monitor.reports.index import collect, render_index
from monitor.reports.monitor_page import PAGE_NAME as MONITOR_PAGE
from monitor.reports.monitor_page import collect_page, render_page
from monitor.reports.paths import (
    INDEX_NAME,
    LATEST_NAME,
    monitor_dir,
    report_name,
    report_relpath,
)
from monitor.reports.retention import apply_retention, list_reports
from monitor.reports.sampling import SampledData, sample_data
from monitor.result import RunResult, RunStatus
from monitor.runner import RunData
from monitor.stats import StatTestRegistry, build_registry
from monitor.store import Store

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


class Builder(Protocol):
    def __call__(
        self,
        monitor: MonitorConfig,
        result: RunResult,
        data: SampledData,
        *,
        registry: StatTestRegistry,
        generated_at: datetime,
        notes: Sequence[str] = (),
    ) -> BuiltReport: ...


@dataclass(frozen=True)
class ReportOutcome:
    path: str | None = None
    """Where the report was written, relative to the reports folder."""
    error: str | None = None
    """Why no report was written although one was due."""
    skipped: str | None = None
    """Why no report was due (reports off, no data)."""
    built: BuiltReport | None = None


class ReportPublisher:
    """Owns one reports folder; safe to call from several threads."""

    def __init__(
        self,
        root: Path,
        store: Store,
        monitors: Sequence[MonitorConfig],
        *,
        registry: StatTestRegistry | None = None,
        clock: Callable[[], datetime] = _now,
        builder: Builder = build_report,
    ) -> None:
        self.root = root
        self._build = builder
        self.store = store
        self.monitors = list(monitors)
        self.registry = registry or build_registry()
        self._clock = clock
        self._lock = threading.Lock()

    def prepare(self, monitor: MonitorConfig, data: RunData | None) -> SampledData | None:
        """Cut the run's rows to the report's cap (cheap; do it before queueing)."""
        if data is None or not monitor.report.enabled:
            return None
        return sample_data(data, monitor.report.sample_rows)

    def publish(
        self,
        monitor: MonitorConfig,
        result: RunResult,
        data: SampledData | None,
        *,
        notes: Sequence[str] = (),
    ) -> ReportOutcome:
        """Build and write the run's report, record it on the run, rebuild the index."""
        try:
            outcome = self._report(monitor, result, data, notes)
        except Exception as exc:  # the sink must never raise
            log.exception("monitor %r: report failed", monitor.name)
            outcome = ReportOutcome(error=f"report failed: {type(exc).__name__}: {exc}")
        if outcome.error is not None:
            log.warning("monitor %r: %s", monitor.name, outcome.error)
        if result.run_id is not None and (outcome.path or outcome.error):
            self.record(result.run_id, outcome.path, outcome.error)
        self.rebuild_monitor_page(monitor)
        self.rebuild_index()
        return outcome

    def record(self, run_id: int, path: str | None, error: str | None) -> None:
        try:
            self.store.record_report(run_id, path=path, error=error)
        except Exception:
            log.exception("could not record the report of run %s in the results database", run_id)

    def rebuild_index(self) -> None:
        """Rewrite ``index.html``; failures are logged."""
        try:
            with self._lock:
                entries = collect(self.root, [m.name for m in self.monitors], self.store)
                page = render_index(entries, self._clock())
                write_atomic(self.root / INDEX_NAME, page.encode("utf-8"))
        except Exception as exc:
            log.warning("could not rebuild %s: %s", self.root / INDEX_NAME, exc)

    def rebuild_monitor_page(self, monitor: MonitorConfig) -> None:
        """Rewrite ``<monitor>/index.html`` (history charts and reports) once the monitor
        has a reports folder (reports on, a report written); failures are logged."""
        folder = monitor_dir(self.root, monitor.name)
        if not monitor.report.enabled or not folder.is_dir():
            return
        path = folder / MONITOR_PAGE
        try:
            with self._lock:
                page = render_page(collect_page(self.root, monitor, self.store), self._clock())
                write_atomic(path, page.encode("utf-8"))
        except Exception as exc:
            log.warning("could not rebuild %s: %s", path, exc)

    def _report(
        self,
        monitor: MonitorConfig,
        result: RunResult,
        data: SampledData | None,
        notes: Sequence[str],
    ) -> ReportOutcome:
        if not monitor.report.enabled:
            return ReportOutcome(skipped="reports are off for this monitor")
        if result.status is not RunStatus.OK:
            return ReportOutcome(skipped=f"the run ended {result.status.value}")
        if data is None:
            return ReportOutcome(skipped="the run has no rows")
        try:
            built = self._build(
                monitor,
                result,
                data,
                registry=self.registry,
                generated_at=self._clock(),
                notes=notes,
            )
        except Exception as exc:
            log.exception("monitor %r: building the report failed", monitor.name)
            return ReportOutcome(
                error=f"report could not be built: {type(exc).__name__}: {exc}"
            )
        path = monitor_dir(self.root, monitor.name) / report_name(result.window_end)
        try:
            self._write(monitor, result.window_end, built.html)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return ReportOutcome(error=f"report could not be written to {path}: {reason}")
        return ReportOutcome(path=report_relpath(monitor.name, result.window_end), built=built)

    def _write(self, monitor: MonitorConfig, window_end: datetime, page: bytes) -> None:
        folder = monitor_dir(self.root, monitor.name)
        with self._lock:
            write_atomic(folder / report_name(window_end), page)
            reports = list_reports(folder)
            if reports and reports[0].window_end <= window_end:
                write_atomic(folder / LATEST_NAME, page)
            removed = apply_retention(folder, monitor.report, now=self._clock())
        if removed:
            log.info(
                "monitor %r: removed %d expired report(s)", monitor.name, len(removed)
            )
            try:
                self.store.forget_reports(
                    monitor.name, [f"{monitor.name}/{r.name}" for r in removed]
                )
            except Exception:
                log.exception("monitor %r: could not clear removed report paths", monitor.name)
