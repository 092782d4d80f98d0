"""One APScheduler job per monitor, firing at its schedule's ticks.

A job only hands the run to the :class:`~monitor.service.executor.RunExecutor`
(which runs it in its worker pool), so a slow monitor never holds up the
scheduler or the other monitors. Missed ticks are coalesced into one run: a
tick whose monitor is still waiting in the queue moves that run to the newer
window; a tick whose monitor is still running is skipped and logged.

The injected clock decides the windows (``floor(now)``) and the catch-up at
start; APScheduler itself fires on wall-clock time.

With several replicas, only the leader hands runs over: :meth:`pause` makes the
ticks do nothing (leadership lost) and :meth:`resume` starts again after a
takeover, first running, one after the other, every window after the last one
stored (see :mod:`monitor.service.takeover`); ticks of a monitor that is still
catching up are left to that catch-up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import wait as wait_for_future
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING

from monitor.config.models import MonitorConfig
from monitor.result import RunResult
from monitor.service.executor import ExecutorStopped, MonitorBusy, NotLeader, RunExecutor
from monitor.service.takeover import missed_windows
from monitor.service.trigger import ScheduleTrigger
from monitor.windows import window_end_for

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
TimeoutFor = Callable[[MonitorConfig], float]
LastSuccess = Callable[[str], datetime | None]
LastStored = Callable[[str], datetime | None]
Stored = Callable[[str, datetime], bool]

BUSY_RETRY_SECONDS = 0.2


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
        self._active = True
        self._generation = 0
        self._catching_up: set[str] = set()
        self._aps = BackgroundScheduler(
            timezone=UTC,
            executors={"default": {"type": "threadpool", "max_workers": 2}},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    # -- lifecycle -------------------------------------------------------------------

    def start(
        self,
        monitors: Sequence[MonitorConfig],
        last_success: LastSuccess,
        *,
        active: bool = True,
    ) -> list[str]:
        """Schedule every monitor and start the catch-up runs; return their names.

        A standby (``active`` false) keeps the jobs but runs nothing until :meth:`resume`.
        """
        self._active = active
        self._aps.start()
        return self.sync(monitors, last_success)

    @property
    def active(self) -> bool:
        return self._active

    def catching_up(self, name: str) -> bool:
        """Whether ``name`` still runs the windows owed since a takeover."""
        with self._lock:
            return name in self._catching_up

    def pause(self) -> None:
        """Hand no more runs over (leadership lost): ticks do nothing, catch-ups end."""
        with self._lock:
            self._active = False
            self._generation += 1
            self._catching_up.clear()
        log.warning("scheduling paused: this replica is not the leader")

    def resume(self, last_stored: LastStored, stored: Stored) -> list[str]:
        """Schedule again after taking over: each monitor first runs, oldest first, every
        window after the newest one stored; return the monitors that catch up."""
        with self._lock:
            self._active = True
            self._generation += 1
            generation = self._generation
            monitors = list(self._monitors.values())
            self._catching_up = {m.name for m in monitors}
        started = []
        for monitor in monitors:
            last = last_stored(monitor.name)
            windows, skipped = missed_windows(monitor, last, self._clock())
            if skipped:
                log.warning(
                    "monitor %r: %d window(s) after %s are older than the %d caught up "
                    "after the takeover; they are not run",
                    monitor.name,
                    skipped,
                    last.isoformat() if last else "the start",
                    len(windows),
                )
            if windows:
                log.info(
                    "monitor %r: taking over after the window ending %s: running %d window(s), "
                    "%s to %s",
                    monitor.name,
                    last.isoformat() if last else "(none stored)",
                    len(windows),
                    windows[0].isoformat(),
                    windows[-1].isoformat(),
                )
                started.append(monitor.name)
            known = self._last_window.get(monitor.name)
            if last is not None and (known is None or last > known):
                self._last_window[monitor.name] = last
            thread = threading.Thread(
                target=self._catch_up_windows,
                args=(monitor.name, deque(windows), stored, generation),
                name=f"driftwarden-takeover-{monitor.name}",
                daemon=True,
            )
            thread.start()
        return started

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
        with self._lock:
            monitor = self._monitors.get(name)
            if monitor is None or not self._active:
                return None
            if name in self._catching_up:
                log.debug("monitor %r: tick left to the catch-up after the takeover", name)
                return None
        window_end = window_end_for(monitor, self._clock())
        if self._last_window.get(name) == window_end:
            log.debug("monitor %r: window ending %s already ran", name, window_end.isoformat())
            return None
        return self._submit(monitor, window_end, "schedule")

    def run_now(self, name: str) -> Future[RunResult]:
        """Run ``name`` on the window ending at the latest tick, even if it already ran.

        Raises KeyError (unknown monitor), MonitorBusy, ExecutorStopped or NotLeader.
        """
        with self._lock:
            monitor = self._monitors.get(name)
            if monitor is None:
                raise KeyError(name)
            if not self._active:
                raise NotLeader(
                    "this replica is a standby; runs are started by the leader "
                    "(the replica whose /metrics shows driftwarden_leader 1)"
                )
            if name in self._catching_up:
                raise MonitorBusy(
                    f"monitor {name!r} is catching up the windows missed before the takeover"
                )
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
        if not self._active:
            return False
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

    def _catch_up_windows(
        self, name: str, pending: deque[datetime], stored: Stored, generation: int
    ) -> None:
        """Run ``pending`` one after the other, then every window that fell due meanwhile,
        until the latest tick has run; then the regular ticks take over."""
        while True:
            with self._lock:
                if generation != self._generation:
                    return
                monitor = self._monitors.get(name)
                if monitor is None:
                    self._catching_up.discard(name)
                    return
                if not pending:
                    last = self._last_window.get(name)
                    latest = window_end_for(monitor, self._clock())
                    following = latest if last is None else monitor.parsed_schedule.next_after(last)
                    if following > latest:
                        self._catching_up.discard(name)
                        return
                    pending.append(following)
            window_end = pending.popleft()
            if stored(name, window_end):
                log.info(
                    "monitor %r: the window ending %s is already stored; not run again",
                    name,
                    window_end.isoformat(),
                )
                self._last_window[name] = window_end
                continue
            future = self._submit_when_free(monitor, window_end, generation)
            if future is None:
                return
            wait_for_future([future])

    def _submit_when_free(
        self, monitor: MonitorConfig, window_end: datetime, generation: int
    ) -> Future[RunResult] | None:
        while generation == self._generation:
            try:
                future = self._executor.submit(
                    monitor, window_end, reason="takeover", timeout=self._timeout_for(monitor)
                )
            except MonitorBusy:
                time.sleep(BUSY_RETRY_SECONDS)
                continue
            except ExecutorStopped:
                return None
            self._last_window[monitor.name] = window_end
            return future
        return None
