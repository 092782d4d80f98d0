"""Process-lifetime run counters and duration histograms, per monitor.

Unlike the gauges, these are not restored from the store: a counter starts at
zero with the process, as Prometheus expects (``rate()`` handles the reset).
Each monitor's record is immutable and replaced on every run, so readers can
tell a changed record by identity.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from monitor.config.models import Config, MonitorConfig
from monitor.exporter.definitions import RUN_DURATION_BUCKETS
from monitor.result import RunResult, RunStatus
from monitor.runner import RunData

STATUSES: tuple[str, ...] = tuple(s.value for s in RunStatus)


@dataclass(frozen=True)
class MonitorRunStats:
    runs: tuple[int, ...] = field(default_factory=lambda: (0,) * len(STATUSES))
    """Runs by status, in the order of :data:`STATUSES`."""
    buckets: tuple[int, ...] = field(default_factory=lambda: (0,) * len(RUN_DURATION_BUCKETS))
    """Runs whose duration fell in each bucket (not cumulative; +Inf is ``count``)."""
    count: int = 0
    total_seconds: float = 0.0

    def by_status(self) -> dict[str, int]:
        return dict(zip(STATUSES, self.runs, strict=True))

    def cumulative(self) -> list[tuple[float, int]]:
        out = []
        running = 0
        for bound, n in zip(RUN_DURATION_BUCKETS, self.buckets, strict=True):
            running += n
            out.append((bound, running))
        return out

    def add(self, status: RunStatus, seconds: float) -> MonitorRunStats:
        runs = list(self.runs)
        runs[STATUSES.index(status.value)] += 1
        buckets = list(self.buckets)
        index = bisect.bisect_left(RUN_DURATION_BUCKETS, seconds)
        if index < len(buckets):
            buckets[index] += 1
        return MonitorRunStats(
            tuple(runs), tuple(buckets), self.count + 1, self.total_seconds + seconds
        )


class RunStats:
    """A sink counting every published run."""

    name = "run_stats"

    def __init__(self, monitors: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, MonitorRunStats] = {m: MonitorRunStats() for m in monitors}

    def publish(self, monitor: MonitorConfig, result: RunResult, data: RunData | None) -> None:
        seconds = max(result.duration_seconds, 0.0)
        with self._lock:
            found = self._items.get(monitor.name, MonitorRunStats())
            self._items[monitor.name] = found.add(result.status, seconds)

    def reconfigure(self, config: Config) -> None:
        """Keep (or start at zero) the configured monitors, drop the others."""
        with self._lock:
            self._items = {
                m.name: self._items.get(m.name) or MonitorRunStats() for m in config.monitors
            }

    def snapshot(self) -> Mapping[str, MonitorRunStats]:
        with self._lock:
            return dict(self._items)
