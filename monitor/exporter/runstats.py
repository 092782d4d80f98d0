"""Process-lifetime run counters and duration histograms, per monitor.

Unlike the gauges, these are not restored from the store: a counter starts at
zero with the process, as Prometheus expects (``rate()`` handles the reset).
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


@dataclass
class MonitorRunStats:
    runs: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in RunStatus})
    """Runs by status."""
    buckets: list[int] = field(default_factory=lambda: [0] * len(RUN_DURATION_BUCKETS))
    """Runs whose duration fell in each bucket (not cumulative; +Inf is ``count``)."""
    count: int = 0
    total_seconds: float = 0.0

    def copy(self) -> MonitorRunStats:
        return MonitorRunStats(dict(self.runs), list(self.buckets), self.count, self.total_seconds)

    def cumulative(self) -> list[tuple[float, int]]:
        out = []
        running = 0
        for bound, n in zip(RUN_DURATION_BUCKETS, self.buckets, strict=True):
            running += n
            out.append((bound, running))
        return out


class RunStats:
    """A sink counting every published run."""

    name = "run_stats"

    def __init__(self, monitors: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, MonitorRunStats] = {m: MonitorRunStats() for m in monitors}

    def publish(self, monitor: MonitorConfig, result: RunResult, data: RunData | None) -> None:
        seconds = max(result.duration_seconds, 0.0)
        with self._lock:
            stats = self._items.setdefault(monitor.name, MonitorRunStats())
            stats.runs[result.status.value] = stats.runs.get(result.status.value, 0) + 1
            index = bisect.bisect_left(RUN_DURATION_BUCKETS, seconds)
            if index < len(stats.buckets):
                stats.buckets[index] += 1
            stats.count += 1
            stats.total_seconds += seconds

    def reconfigure(self, config: Config) -> None:
        """Keep (or start at zero) the configured monitors, drop the others."""
        with self._lock:
            self._items = {
                m.name: self._items.get(m.name) or MonitorRunStats() for m in config.monitors
            }

    def snapshot(self) -> Mapping[str, MonitorRunStats]:
        with self._lock:
            return {name: stats.copy() for name, stats in self._items.items()}
