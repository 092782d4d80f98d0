"""Reports owed at start: runs stored by a process that died before their report was written.

A run is stored before its report is built (the report comes last, on a worker),
so a process killed in between leaves the run with neither ``report_path`` nor
``report_error``. At start the service rebuilds the report of each monitor's newest
successful run in that state, from the windows as they read now (the page says so,
and names any column or metric whose numbers moved since), and removes temporary
files that killed writers left in the reports folders.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from monitor.config.models import MonitorConfig
from monitor.reports.atomic import remove_stale_temps
from monitor.reports.paths import monitor_dir
from monitor.reports.publisher import ReportPublisher
from monitor.reports.rebuild import rebuild
from monitor.result import RunResult, RunStatus
from monitor.runner import Runner
from monitor.store import Store

log = logging.getLogger(__name__)


def owed_reports(
    store: Store, monitors: Sequence[MonitorConfig]
) -> list[tuple[MonitorConfig, RunResult]]:
    """Monitors whose newest successful run has no report and no reason for none."""
    enabled = {m.name: m for m in monitors if m.report.enabled}
    if not enabled:
        return []
    newest = store.latest(list(enabled), status=RunStatus.OK)
    return [
        (enabled[name], run)
        for name, run in sorted(newest.items())
        if run.report_path is None and run.report_error is None
    ]


def sweep_temps(root: Path, monitors: Sequence[MonitorConfig]) -> list[Path]:
    """Remove stale temporary files from the reports folder and the monitors' folders."""
    removed = remove_stale_temps(root)
    for monitor in monitors:
        removed += remove_stale_temps(monitor_dir(root, monitor.name))
    return removed


class ReportRecovery:
    """Rebuilds the owed reports on a thread of its own (the source is read again, which
    must not hold up the start of the service)."""

    def __init__(
        self,
        publisher: ReportPublisher,
        runner: Runner,
        store: Store,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self.publisher = publisher
        self.runner = runner
        self.store = store
        self.clock = clock
        self.rebuilt: list[int] = []
        """Ids of the runs whose report was rebuilt."""
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, monitors: Sequence[MonitorConfig]) -> None:
        """Sweep the temporary files and rebuild what is owed (unless a rebuild from an
        earlier call is still going)."""
        if self._thread is not None and self._thread.is_alive():
            return
        for path in sweep_temps(self.publisher.root, monitors):
            log.info("removed %s, left by an interrupted report write", path)
        try:
            owed = owed_reports(self.store, monitors)
        except Exception:
            log.exception("could not look for reports owed by an earlier process")
            return
        if not owed:
            return
        self._thread = threading.Thread(
            target=self._rebuild, args=(owed,), name="driftwarden-report-recovery", daemon=True
        )
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self, timeout: float) -> None:
        self._stopping.set()
        self.join(timeout)

    def _rebuild(self, owed: Sequence[tuple[MonitorConfig, RunResult]]) -> None:
        for monitor, run in owed:
            if self._stopping.is_set():
                return
            log.info(
                "monitor %r: run %s (window ending %s) has no report; an earlier process "
                "stopped before writing it: rebuilding it",
                monitor.name,
                run.run_id,
                run.window_end.isoformat(),
            )
            try:
                done = rebuild(
                    monitor,
                    run.window_end,
                    runner=self.runner,
                    store=self.store,
                    publisher=self.publisher,
                    now=self.clock(),
                )
            except Exception:
                log.exception(
                    "monitor %r: rebuilding the report of run %s failed", monitor.name, run.run_id
                )
                continue
            if run.run_id is None:
                continue
            if done.outcome.path is not None:
                self.rebuilt.append(run.run_id)
            else:
                # Say why on the run, so the next start does not try again.
                reason = done.outcome.error or f"report not rebuilt: {done.outcome.skipped}"
                self.publisher.record(run.run_id, None, reason)
