"""Runners whose runs can be held open, to test timeouts, overlap and shutdown."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

from monitor.config.models import MonitorConfig
from monitor.result import RunResult, RunStatus
from monitor.runner import RunData, Runner
from monitor.windows import run_windows


class GatedRunner(Runner):
    """Waits for ``gate`` before each run, then runs for real (or returns a stub result
    when ``real`` is false). Counts runs and the most that ran at once, per monitor."""

    def __init__(self, *, real: bool = True, open_gate: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gate = threading.Event()
        if open_gate:
            self.gate.set()
        self.real = real
        self.started = threading.Event()
        self._lock = threading.Lock()
        self.active: dict[str, int] = {}
        self.max_active: dict[str, int] = {}
        self.total_max_active = 0
        self.calls: list[tuple[str, datetime]] = []
        self.finished: list[tuple[str, datetime]] = []

    def run_with_data(
        self, monitor: MonitorConfig, window_end: datetime
    ) -> tuple[RunResult, RunData | None]:
        with self._lock:
            self.calls.append((monitor.name, window_end))
            self.active[monitor.name] = self.active.get(monitor.name, 0) + 1
            self.max_active[monitor.name] = max(
                self.max_active.get(monitor.name, 0), self.active[monitor.name]
            )
            self.total_max_active = max(self.total_max_active, sum(self.active.values()))
        self.started.set()
        try:
            self.gate.wait(timeout=60)
            if self.real:
                return super().run_with_data(monitor, window_end)
            return stub_result(monitor, window_end, self.clock()), None
        finally:
            with self._lock:
                self.active[monitor.name] -= 1
                self.finished.append((monitor.name, window_end))


def stub_result(monitor: MonitorConfig, window_end: datetime, at: datetime) -> RunResult:
    windows = run_windows(monitor, window_end)
    assert windows.current.end is not None
    return RunResult(
        monitor=monitor.name,
        status=RunStatus.OK,
        window_end=windows.current.end,
        current=windows.current,
        reference=windows.reference,
        started_at=at,
        finished_at=at,
        rows_reference=10,
        rows_current=10,
    )


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
