"""One APScheduler job per monitor, firing at its schedule's ticks.

A job only hands the run to the :class:`~monitor.service.executor.RunExecutor`
(which runs it in its worker pool), so a slow monitor never holds up the
scheduler or the other monitors. Missed ticks are coalesced into one run: a
tick whose monitor is still waiting in the queue moves that run to the newer
window; a tick whose monitor is still running is skipped and logged.

The injected clock decides the windows (``floor(now)``) and the catch-up at
start; APScheduler itself fires on wall-clock time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING

from monitor.config.models import MonitorConfig
from monitor.result import RunResult
from monitor.service.executor import ExecutorStopped, MonitorBusy, RunExecutor
from monitor.service.trigger import ScheduleTrigger
from monitor.windows import window_end_for

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
TimeoutFor = Callable[[MonitorConfig], float]
LastSuccess = Callable[[str], datetime | None]


def needs_catch_up(monitor: MonitorConfig, last_success: datetime | None, now: datetime) -> bool:
    """True when the last successful window ended more than one interval before ``now``
    (or there is none): such a monitor runs once at start instead of waiting a tick."""
    if last_success is None:
        return True
    interval = monitor.parsed_schedule.nominal_interval(now)
    return now - last_success > interval


class MonitorScheduler:
    def __init__(self, executor: RunExecutor, *, clock: Clock, timeout_for: TimeoutFor) -> None:
        self._executor = executor
        self._clock = clock
        self._timeout_for = timeout_for
        self._lock = threading.Lock()
        self._monitors: dict[str, MonitorConfig] = {}
        self._last_window: dict[str, datetime] = {}
        self._aps = BackgroundScheduler(
            timezone=UTC,
            executors={"default": {"type": "threadpool", "max_workers": 2}},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    # -- lifecycle -------------------------------------------------------------------

    def start(self, monitors: Sequence[MonitorConfig], last_success: LastSuccess) -> list[str]:
        """Schedule every monitor and start the catch-up runs; return their names."""
        self._aps.start()
        return self.sync(monitors, last_success)

    def stop(self) -> None:
        """Fire no more ticks (runs already handed over are the executor's)."""
        if self._aps.state != 0:  # STATE_STOPPED
            self._aps.shutdown(wait=False)

    @property
    def running(self) -> bool:
        return bool(self._aps.state == STATE_RUNNING)

    def sync(self, monitors: Sequence[MonitorConfig], last_success: LastSuccess) -> list[str]:
        """Make the jobs match ``monitors``; new monitors get the start-up catch-up check.

        Returns the monitors that started a catch-up run.
        """
        with self._lock:
            old = self._monitors
            self._monitors = {m.name: m for m in monitors}
        for name in old.keys() - self._monitors.keys():
            self._aps.remove_job(name)
            self._last_window.pop(name, None)
            log.info("monitor %r removed from the schedule", name)
        caught_up = []
        for monitor in monitors:
            previous = old.get(monitor.name)
            if previous is None:
                self._aps.add_job(
                    self.tick,
                    ScheduleTrigger(monitor.parsed_schedule),
                    args=[monitor.name],
                    id=monitor.name,
                    name=f"monitor {monitor.name}",
                )
                if self._catch_up(monitor, last_success):
                    caught_up.append(monitor.name)
            elif previous.schedule != monitor.schedule:
                self._aps.reschedule_job(
                    monitor.name, trigger=ScheduleTrigger(monitor.parsed_schedule)
                )
                log.info(
                    "monitor %r rescheduled: %s", monitor.name, monitor.parsed_schedule.describe()
                )
        return caught_up

    # -- running ------------------------------------------------------------------

    def tick(self, name: str) -> Future[RunResult] | None:
        """A scheduled tick of ``name``: run the window ending at the latest tick, unless
        that window already ran in this process or the monitor is still busy."""
        monitor = self.monitor(name)
        if monitor is None:
            return None
        window_end = window_end_for(monitor, self._clock())
        if self._last_window.get(name) == window_end:
            log.debug("monitor %r: window ending %s already ran", name, window_end.isoformat())
            return None
        return self._submit(monitor, window_end, "schedule")

    def run_now(self, name: str) -> Future[RunResult]:
        """Run ``name`` on the window ending at the latest tick, even if it already ran.

        Raises KeyError (unknown monitor), MonitorBusy or ExecutorStopped.
        """
        monitor = self.monitor(name)
        if monitor is None:
            raise KeyError(name)
        window_end = window_end_for(monitor, self._clock())
        future = self._executor.submit(
            monitor, window_end, reason="api", timeout=self._timeout_for(monitor)
        )
        self._last_window[name] = window_end
        return future

    def monitor(self, name: str) -> MonitorConfig | None:
        with self._lock:
            return self._monitors.get(name)

    def next_run(self, name: str) -> datetime | None:
        job = self._aps.get_job(name)
        if job is None:
            return None
        when: datetime | None = getattr(job, "next_run_time", None)
        return when

    def _catch_up(self, monitor: MonitorConfig, last_success: LastSuccess) -> bool:
        now = self._clock()
        last = last_success(monitor.name)
        if not needs_catch_up(monitor, last, now):
            return False
        window_end = window_end_for(monitor, now)
        shown = last.isoformat() if last else "never"
        log.info(
            "monitor %r: last successful window %s is older than one interval; "
            "catching up with the window ending %s",
            monitor.name,
            shown,
            window_end.isoformat(),
        )
        return self._submit(monitor, window_end, "catch-up") is not None

    def _submit(
        self, monitor: MonitorConfig, window_end: datetime, reason: str
    ) -> Future[RunResult] | None:
        try:
            future = self._executor.submit(
                monitor,
                window_end,
                reason=reason,
                timeout=self._timeout_for(monitor),
                coalesce=True,
            )
        except MonitorBusy as exc:
            log.warning(
                "%s; %s tick for the window ending %s skipped", exc, reason, window_end.isoformat()
            )
            return None
        except ExecutorStopped:
            return None
        self._last_window[monitor.name] = window_end
        return future
