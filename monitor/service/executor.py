"""Runs monitors in a bounded pool of worker threads, one run per monitor at a time.

Each run has a deadline. When it passes, the run is recorded at once as
``error`` with the reason and its database statements are interrupted; the
worker's late result, if any, is discarded. The monitor stays busy until its
worker has really finished, so two runs of one monitor never overlap.

On shutdown, queued runs are dropped, running ones get a grace period, and
those still running after it are recorded as cut short.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime

from monitor.config.models import MonitorConfig
from monitor.pipeline import Pipeline
from monitor.reevaluation import Reevaluator, reevaluates
from monitor.result import RunResult, RunStatus
from monitor.runner import RunData
from monitor.service.cancel import StatementCanceller
from monitor.windows import run_windows

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class MonitorBusy(Exception):
    """The monitor already has a run queued or running."""


class ExecutorStopped(Exception):
    """The service is shutting down and takes no new runs."""


class NotLeader(Exception):
    """This replica is a standby: the leader runs the monitors."""


MayStore = Callable[[], bool]
"""Asked before a run's result is stored: False when this replica lost the leadership."""


def _always() -> bool:
    return True


@dataclass(eq=False)
class RunTicket:
    monitor: MonitorConfig
    window_end: datetime
    reason: str
    """Why it runs: ``schedule``, ``catch-up`` or ``api``."""
    timeout: float
    """Seconds the run may take once started."""
    future: Future[RunResult] = field(default_factory=Future)
    started_at: datetime | None = None
    thread: int | None = None
    _claimed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def claim(self) -> bool:
        """True for the first caller only: the one that records the run's outcome."""
        with self._lock:
            if self._claimed:
                return False
            self._claimed = True
            return True


class RunExecutor:
    def __init__(
        self,
        pipeline: Pipeline,
        *,
        workers: int,
        clock: Clock,
        canceller: StatementCanceller | None = None,
        may_store: MayStore = _always,
    ) -> None:
        self._pipeline = pipeline
        self._may_store = may_store
        self._workers = workers
        self._clock = clock
        self._canceller = canceller or StatementCanceller()
        self._queue: queue.SimpleQueue[RunTicket | None] = queue.SimpleQueue()
        self._lock = threading.Condition()
        self._busy: dict[str, RunTicket] = {}
        self._running: set[RunTicket] = set()
        self._deadlines: list[tuple[float, int, RunTicket]] = []
        self._sequence = itertools.count()
        self._stopping = False
        self._threads: list[threading.Thread] = []

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        for index in range(self._workers):
            thread = threading.Thread(
                target=self._work, name=f"driftwarden-run-{index + 1}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        watchdog = threading.Thread(target=self._watch, name="driftwarden-deadlines", daemon=True)
        watchdog.start()
        self._threads.append(watchdog)

    def stop(self, grace: float, hurry: threading.Event | None = None) -> list[RunResult]:
        """Take no new runs, drop queued ones, wait ``grace`` seconds for running ones,
        then record those still running as cut short. Returns the cut-short results.

        Setting ``hurry`` (e.g. on a second SIGTERM) ends the grace period at once.
        """
        deadline = time.monotonic() + grace
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        self._drop_queued()
        with self._lock:
            while self._running:
                left = deadline - time.monotonic()
                if left <= 0 or (hurry is not None and hurry.is_set()):
                    break
                self._lock.wait(min(left, 0.1))
            remaining = list(self._running)
        cut = []
        for ticket in remaining:
            reason = (
                f"monitor {ticket.monitor.name!r}: run cut short by shutdown: still running "
                f"after the {grace:g}s grace period (service.shutdown_grace)"
            )
            result = self._cut(ticket, reason)
            if result is not None:
                cut.append(result)
        for _ in range(self._workers):
            self._queue.put(None)
        return cut

    @property
    def stopping(self) -> bool:
        return self._stopping

    # -- submitting ---------------------------------------------------------------

    def submit(
        self,
        monitor: MonitorConfig,
        window_end: datetime,
        *,
        reason: str,
        timeout: float,
        coalesce: bool = False,
    ) -> Future[RunResult]:
        """Queue a run; raise :class:`MonitorBusy` or :class:`ExecutorStopped`.

        With ``coalesce``, a run of the monitor still waiting in the queue takes the
        later window instead (its future is returned): ticks missed while the pool is
        saturated become one run of the newest window.
        """
        ticket = RunTicket(monitor, window_end, reason, timeout)
        with self._lock:
            if self._stopping:
                raise ExecutorStopped("the service is shutting down")
            if monitor.name in self._busy:
                other = self._busy[monitor.name]
                if coalesce and other.started_at is None:
                    if window_end > other.window_end:
                        log.info(
                            "monitor %r: queued run moved from the window ending %s to %s",
                            monitor.name,
                            other.window_end.isoformat(),
                            window_end.isoformat(),
                        )
                        other.window_end = window_end
                        other.monitor = monitor
                    return other.future
                state = "running" if other.started_at else "queued"
                raise MonitorBusy(
                    f"monitor {monitor.name!r} already has a run {state} "
                    f"(window ending {other.window_end.isoformat()}, {other.reason})"
                )
            self._busy[monitor.name] = ticket
        self._queue.put(ticket)
        return ticket.future

    def busy(self, name: str) -> bool:
        with self._lock:
            return name in self._busy

    def running(self) -> list[RunTicket]:
        with self._lock:
            return list(self._running)

    # -- workers ------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            ticket = self._queue.get()
            if ticket is None:
                return
            with self._lock:
                if self._stopping:
                    self._release(ticket)
                    ticket.future.cancel()
                    continue
                ticket.thread = threading.get_ident()
                ticket.started_at = self._clock()
                self._running.add(ticket)
                heapq.heappush(
                    self._deadlines,
                    (time.monotonic() + ticket.timeout, next(self._sequence), ticket),
                )
                self._lock.notify_all()
            ticket.future.set_running_or_notify_cancel()
            settle: Callable[[], None] | None = None
            try:
                settle = self._execute(ticket)
            finally:
                with self._lock:
                    self._running.discard(ticket)
                    self._release(ticket)
                    self._lock.notify_all()
            if settle is not None:
                settle()  # after the release: whoever waits on it may run the monitor again

    def _execute(self, ticket: RunTicket) -> Callable[[], None] | None:
        """Run and record; return what settles the ticket's future (None when the run
        was cut short meanwhile and its future already settled)."""
        data: RunData | None = None
        try:
            result, data = self._pipeline.runner.run_with_data(ticket.monitor, ticket.window_end)
        except BaseException as exc:  # the runner records failures itself; this is a last guard
            log.exception("monitor %r: run failed outside the runner", ticket.monitor.name)
            result = self._error_result(ticket, f"unexpected {type(exc).__name__}: {exc}")
        if not ticket.claim():
            log.warning(
                "monitor %r: run for the window ending %s finished after it was recorded "
                "as cut short; its result (%s) is discarded",
                ticket.monitor.name,
                ticket.window_end.isoformat(),
                result.status.value,
            )
            return None
        if not self._may_store():
            log.warning(
                "monitor %r: this replica lost the leadership during the run for the window "
                "ending %s; its result is discarded and the window left to the new leader",
                ticket.monitor.name,
                ticket.window_end.isoformat(),
            )
            return functools.partial(
                ticket.future.set_exception,
                NotLeader("the replica lost the leadership during the run"),
            )
        try:
            stored = self._store(ticket, result, data)
        except Exception as exc:
            return functools.partial(ticket.future.set_exception, exc)
        self._reevaluate(ticket)
        return functools.partial(ticket.future.set_result, stored)

    def _reevaluate(self, ticket: RunTicket) -> None:
        """After the tick's own run: past windows whose labels arrived since (the monitor
        stays busy meanwhile, so they never overlap its next run; a replica that lost the
        leadership stops, the new leader re-evaluates)."""
        if self._stopping or not reevaluates(ticket.monitor):
            return
        try:
            reevaluator = Reevaluator(
                self._pipeline,
                stopping=lambda: self._stopping or not self._may_store(),
            )
            reevaluator.run(ticket.monitor, ticket.window_end)
        except Exception:
            log.exception("monitor %r: re-evaluating past windows failed", ticket.monitor.name)

    def _store(self, ticket: RunTicket, result: RunResult, data: RunData | None) -> RunResult:
        try:
            return self._pipeline.publish(ticket.monitor, result, data)
        except Exception:
            log.exception("monitor %r: the run's result could not be stored", ticket.monitor.name)
            raise

    def _record(
        self, ticket: RunTicket, result: RunResult, data: RunData | None
    ) -> RunResult | None:
        """Store a result and settle the ticket's future with it at once."""
        if not self._may_store():
            log.warning(
                "monitor %r: not recorded, this replica lost the leadership: %s",
                ticket.monitor.name,
                result.error,
            )
            ticket.future.set_exception(NotLeader("the replica lost the leadership"))
            return None
        try:
            stored = self._store(ticket, result, data)
        except Exception as exc:
            ticket.future.set_exception(exc)
            return None
        ticket.future.set_result(stored)
        return stored

    def _release(self, ticket: RunTicket) -> None:
        if self._busy.get(ticket.monitor.name) is ticket:
            del self._busy[ticket.monitor.name]

    def _drop_queued(self) -> None:
        while True:
            try:
                ticket = self._queue.get_nowait()
            except queue.Empty:
                return
            if ticket is None:
                continue
            with self._lock:
                self._release(ticket)
            ticket.future.cancel()
            log.info(
                "monitor %r: queued run for the window ending %s dropped by shutdown",
                ticket.monitor.name,
                ticket.window_end.isoformat(),
            )

    # -- deadlines ----------------------------------------------------------------

    def _watch(self) -> None:
        while True:
            with self._lock:
                while True:
                    if self._stopping and not self._running:
                        return
                    now = time.monotonic()
                    while self._deadlines and (
                        self._deadlines[0][2] not in self._running
                        or self._deadlines[0][2].future.done()
                    ):
                        heapq.heappop(self._deadlines)
                    if self._deadlines and self._deadlines[0][0] <= now:
                        _, _, due = heapq.heappop(self._deadlines)
                        break
                    wait = self._deadlines[0][0] - now if self._deadlines else None
                    self._lock.wait(wait)
            reason = (
                f"monitor {due.monitor.name!r}: run timed out after {due.timeout:g}s "
                f"(service.run_timeout); window ending {due.window_end.isoformat()}"
            )
            self._cut(due, reason)

    def _cut(self, ticket: RunTicket, reason: str) -> RunResult | None:
        """Record a run that has not finished as ``error`` and interrupt its statements."""
        if not ticket.claim():
            return None
        log.warning("%s", reason)
        if ticket.thread is not None:
            self._canceller.cancel(ticket.thread)
        return self._record(ticket, self._error_result(ticket, reason), None)

    def _error_result(self, ticket: RunTicket, reason: str) -> RunResult:
        windows = run_windows(ticket.monitor, ticket.window_end)
        now = self._clock()
        started = ticket.started_at or now
        assert windows.current.end is not None
        return RunResult(
            monitor=ticket.monitor.name,
            status=RunStatus.ERROR,
            window_end=windows.current.end,
            current=windows.current,
            reference=windows.reference,
            started_at=started,
            finished_at=max(now, started),
            error=reason,
        )
