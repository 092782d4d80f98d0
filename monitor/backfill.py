"""Evaluate every window of a past range, so a monitor has history from day one.

The windows are those ending at the monitor's schedule ticks in ``[start, end]``
(both ends included), oldest first. Windows already stored (a run with status
``ok`` or ``insufficient_data``) are skipped unless ``force``, so an interrupted
backfill resumes where it stopped; a window that fails is recorded as ``error``
and the next one runs. Each run goes through the same pipeline as ``run``: the
store, then the reports.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from monitor.config.models import MonitorConfig
from monitor.pipeline import Pipeline
from monitor.result import RunResult, RunStatus
from monitor.windows import as_utc

log = logging.getLogger(__name__)

MAX_WINDOWS = 100_000
"""A range with more windows than this is refused (a typo in a date, most likely)."""


def ticks(monitor: MonitorConfig, start: datetime, end: datetime) -> Iterator[datetime]:
    """The monitor's schedule ticks in ``[start, end]``, oldest first."""
    schedule = monitor.parsed_schedule
    start, end = as_utc(start), as_utc(end)
    tick = schedule.floor(start)
    if tick < start:
        tick = schedule.next_after(tick)
    while tick <= end:
        yield tick
        tick = schedule.next_after(tick)


@dataclass
class BackfillSummary:
    windows: int = 0
    """Windows in the range."""
    skipped: int = 0
    """Already stored, not run again."""
    by_status: dict[str, int] = field(default_factory=dict)
    """Windows run, by status (``ok``, ``insufficient_data``, ``error``)."""
    drift: int = 0
    """Windows run with dataset drift detected."""
    failed_windows: list[datetime] = field(default_factory=list)

    @property
    def run(self) -> int:
        return sum(self.by_status.values())

    @property
    def failed(self) -> int:
        return self.by_status.get(RunStatus.ERROR.value, 0)

    def describe(self, monitor: str) -> str:
        statuses = ", ".join(f"{s} {n}" for s, n in sorted(self.by_status.items())) or "none"
        lines = [
            f"monitor {monitor!r}: {self.windows} window(s) in the range; {self.run} run "
            f"({statuses}), {self.skipped} skipped (already stored), {self.failed} failed; "
            f"dataset drift in {self.drift}"
        ]
        for end in self.failed_windows[:10]:
            lines.append(f"  failed: window ending {end.isoformat()}")
        if len(self.failed_windows) > 10:
            lines.append(f"  ... and {len(self.failed_windows) - 10} more failed window(s)")
        return "\n".join(lines)


class Progress:
    """A one-line progress bar on a terminal (rewritten with ``\\r``); elsewhere a line
    every tenth of the way, so logs stay short."""

    def __init__(self, out: TextIO, total: int, label: str) -> None:
        self._out = out
        self._total = total
        self._label = label
        self._tty = out.isatty()
        self._started = time.monotonic()
        self._shown = -1

    def update(self, done: int, note: str) -> None:
        share = done / self._total if self._total else 1.0
        if self._tty:
            filled = int(share * 30)
            bar = "#" * filled + "-" * (30 - filled)
            elapsed = time.monotonic() - self._started
            eta = elapsed / done * (self._total - done) if done else 0.0
            self._out.write(
                f"\r{self._label} [{bar}] {done}/{self._total} {note} eta {eta:.0f}s\x1b[K"
            )
            self._out.flush()
            return
        step = int(share * 10)
        if step != self._shown or done == self._total:
            self._shown = step
            self._out.write(f"{self._label}: {done}/{self._total} windows ({note})\n")
            self._out.flush()

    def close(self) -> None:
        if self._tty:
            self._out.write("\n")
            self._out.flush()


def backfill(
    pipeline: Pipeline,
    monitor: MonitorConfig,
    start: datetime,
    end: datetime,
    *,
    force: bool = False,
    progress: Progress | None = None,
    on_result: Callable[[RunResult], None] | None = None,
) -> BackfillSummary:
    """Run every window of ``monitor`` ending in ``[start, end]``; return the counts."""
    windows = list(ticks(monitor, start, end))
    summary = BackfillSummary(windows=len(windows))
    stored: set[datetime] = set()
    if windows and not force:
        stored = pipeline.store.stored_windows(monitor.name, since=windows[0], until=windows[-1])
    for done, window_end in enumerate(windows, start=1):
        if window_end in stored:
            summary.skipped += 1
            if progress is not None:
                progress.update(done, "skipped")
            continue
        status = _run_one(pipeline, monitor, window_end, summary, on_result)
        if progress is not None:
            progress.update(done, status)
    if progress is not None:
        progress.close()
    return summary


def _run_one(
    pipeline: Pipeline,
    monitor: MonitorConfig,
    window_end: datetime,
    summary: BackfillSummary,
    on_result: Callable[[RunResult], None] | None,
) -> str:
    try:
        result = pipeline.run(monitor, window_end)
    except Exception as exc:  # e.g. the results database refused the row: go on
        log.exception("monitor %r: window ending %s failed", monitor.name, window_end)
        summary.by_status["error"] = summary.by_status.get("error", 0) + 1
        summary.failed_windows.append(window_end)
        return f"error: {type(exc).__name__}"
    status = result.status.value
    summary.by_status[status] = summary.by_status.get(status, 0) + 1
    if result.status is RunStatus.ERROR:
        summary.failed_windows.append(window_end)
    if result.dataset_drift is not None and result.dataset_drift.detected:
        summary.drift += 1
    if on_result is not None:
        on_result(result)
    return status
