"""The daemon's pipeline: runs go on while the results database is unreachable.

When a result cannot be written because the results database does not answer,
it is kept in a bounded in-memory buffer (:class:`ResultBuffer`) and a
background thread writes the buffered results, oldest first, once the database
answers again. Meanwhile:

- the sinks that need no stored run (``needs_store = False``: the latest
  results, the exporter, the run log) get the result at once, so ``/metrics``
  and ``/api/monitors`` show it;
- the sinks that do (alerts, reports: they write to the same database and link
  the run by its id) get it when it has been written, in order. Alert rules are
  therefore evaluated late, never skipped: an alert a buffered run raises or
  resolves fires or resolves when the database is back. The rows of a buffered
  run are not kept (memory stays bounded), so its HTML report is not built; the
  stored run says so in ``report_error`` (``driftwarden report`` rebuilds it).

A write that fails while the database *does* answer (the result itself is at
fault) is not buffered: it is raised to the caller, as in :class:`Pipeline`.
When the buffer is full the oldest result is dropped, logged and counted in
``driftwarden_store_buffer_dropped_total``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Sequence

from monitor.config.models import MonitorConfig
from monitor.exporter.samples import Samples, store_samples
from monitor.pipeline import Pipeline, Sink, needs_store
from monitor.result import RunResult, RunStatus
from monitor.runner import RunData, Runner
from monitor.service.storebuffer import Pending, ResultBuffer
from monitor.store import Store

log = logging.getLogger(__name__)

REPORT_NOT_BUILT = (
    "report not built: the results database was unreachable when the run finished, and the "
    "rows of a run waiting to be stored are not kept; `driftwarden report` rebuilds it"
)


class StoreUnavailable(Exception):
    """The results database does not answer."""


class BufferedPipeline(Pipeline):
    def __init__(
        self,
        runner: Runner,
        store: Store,
        sinks: Sequence[Sink] = (),
        *,
        capacity: int,
        retry: float,
    ) -> None:
        super().__init__(runner, store, sinks)
        self.retry = retry
        self._buffer = ResultBuffer(capacity)
        self._lock = threading.RLock()
        """Held while writing to the store and handing written buffered results on, so
        that every result reaches the store (and the late sinks) in order."""
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._down: str | None = None
        """Why the last write failed, while the store is unreachable."""
        self.may_write: Callable[[], bool] = _always
        """Asked before waiting results are written (the daemon: whether this replica
        still leads; when another took over, the waiting results are dropped instead)."""

    # -- state -----------------------------------------------------------------------

    @property
    def buffered(self) -> int:
        with self._lock:
            return len(self._buffer)

    @property
    def dropped(self) -> int:
        with self._lock:
            return self._buffer.dropped

    @property
    def capacity(self) -> int:
        return self._buffer.capacity

    @property
    def store_error(self) -> str | None:
        """Why the results database could not be written, while it cannot."""
        with self._lock:
            return self._down

    def metric_samples(self) -> Samples:
        with self._lock:
            return store_samples(
                up=self._down is None,
                buffered=len(self._buffer),
                dropped=self._buffer.dropped,
            )

    # -- publishing --------------------------------------------------------------------

    def publish(
        self, monitor: MonitorConfig, result: RunResult, data: RunData | None = None
    ) -> RunResult:
        """Store the result and hand it to every sink; when the store does not answer,
        buffer it and hand it to the sinks that need no stored run. Returns the result,
        with its run id when it was stored."""
        stored: RunResult | None = None
        with self._lock:
            if self._down is not None or len(self._buffer):
                self._flush()  # the store may be back: older results go first
            if not len(self._buffer):
                try:
                    stored = self._save(result)
                except Exception as exc:
                    if self._answers():
                        raise  # the database answers: this result itself was refused
                    self._went_down(exc)
            if stored is None:
                self._keep(monitor, result)
        if stored is not None:
            self._deliver(self.sinks, monitor, stored, data)
            return stored
        self._deliver([s for s in self.sinks if not needs_store(s)], monitor, result, data)
        self._wake.set()
        return result

    def publish_reevaluation(
        self, monitor: MonitorConfig, result: RunResult, data: RunData | None = None
    ) -> RunResult:
        """As :meth:`Pipeline.publish_reevaluation`, after the results still waiting (a
        re-evaluation is not buffered: it is looked for again at the next tick)."""
        with self._lock:
            if (self._down is not None or len(self._buffer)) and not self._flush():
                raise StoreUnavailable(
                    f"monitor {monitor.name!r}: the re-evaluation of the window ending "
                    f"{result.window_end.isoformat()} is not stored: the results database "
                    f"does not answer ({self._down})"
                )
            return super().publish_reevaluation(monitor, result, data)

    def _save(self, result: RunResult) -> RunResult:
        run_id = self.store.save(result)
        return dataclasses.replace(result, run_id=run_id)

    def _answers(self) -> bool:
        try:
            self.store.ping()
        except Exception:
            return False
        return True

    def _went_down(self, exc: Exception) -> None:
        reason = _first_line(exc)
        if self._down is None:
            log.error(
                "the results database does not answer (%s); run results are kept in memory "
                "(at most %d) and written when it answers again",
                reason,
                self._buffer.capacity,
            )
        self._down = reason

    def _keep(self, monitor: MonitorConfig, result: RunResult) -> None:
        dropped = self._buffer.add(monitor, result)
        log.warning(
            "monitor %r: the result of the window ending %s (%s) waits in memory for the "
            "results database (%d waiting)",
            monitor.name,
            result.window_end.isoformat(),
            result.status.value,
            len(self._buffer),
        )
        if dropped is not None:
            log.error(
                "store buffer full (%d results): dropped the oldest, the %s result of monitor "
                "%r for the window ending %s (%d dropped since start)",
                self._buffer.capacity,
                dropped.result.status.value,
                dropped.monitor.name,
                dropped.result.window_end.isoformat(),
                self._buffer.dropped,
            )

    def _deliver(
        self,
        sinks: Sequence[Sink],
        monitor: MonitorConfig,
        result: RunResult,
        data: RunData | None,
    ) -> None:
        for sink in sinks:
            try:
                sink.publish(monitor, result, data)
            except Exception:
                log.exception(
                    "monitor %r: sink %s failed for run %s", monitor.name, sink.name, result.run_id
                )

    # -- writing the buffer --------------------------------------------------------------

    def flush(self) -> bool:
        """Write buffered results, oldest first, until the store fails again; True when
        the buffer is empty."""
        with self._lock:
            return self._flush()

    def _flush(self) -> bool:
        if len(self._buffer) and not self.may_write():
            return not len(self._buffer)
        written = 0
        while (pending := self._buffer.oldest()) is not None:
            try:
                stored = self._save(_for_storing(pending))
            except Exception as exc:
                if not self._answers():
                    self._went_down(exc)
                    return False
                self._buffer.pop_oldest()
                log.exception(
                    "monitor %r: the buffered result of the window ending %s was refused by "
                    "the results database and is dropped",
                    pending.monitor.name,
                    pending.result.window_end.isoformat(),
                )
                continue
            self._buffer.pop_oldest()
            written += 1
            self._handed_on(pending, stored)
        if self._down is not None:
            if not written and not self._answers():
                return False
            log.info("the results database answers again: %d buffered result(s) written", written)
            self._down = None
        return True

    def _handed_on(self, pending: Pending, stored: RunResult) -> None:
        """A buffered result is stored: late sinks get it, early ones learn its id."""
        for sink in self.sinks:
            try:
                if needs_store(sink):
                    sink.publish(pending.monitor, stored, None)
                else:
                    assign = getattr(sink, "stored", None)
                    if callable(assign):
                        assign(pending.result, stored)
            except Exception:
                log.exception(
                    "monitor %r: sink %s failed for run %s",
                    pending.monitor.name,
                    sink.name,
                    stored.run_id,
                )

    def discard(self, reason: str) -> int:
        """Drop every waiting result (logged with ``reason``); return how many."""
        with self._lock:
            dropped = self._buffer.items()
            while len(self._buffer):
                self._buffer.pop_oldest()
        if dropped:
            log.warning(
                "%d run result(s) waiting for the results database are dropped (%s): %s",
                len(dropped),
                reason,
                ", ".join(
                    f"{p.monitor.name} (window ending {p.result.window_end.isoformat()})"
                    for p in dropped
                ),
            )
        return len(dropped)

    # -- background retries ----------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._loop, name="driftwarden-store-retry", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float) -> None:
        """A last attempt to write what is buffered; what is left is lost (and logged)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        with self._lock:
            if len(self._buffer) and not self._flush():
                lost = self._buffer.items()
                log.error(
                    "shutdown: %d run result(s) could not be written to the results database "
                    "and are lost: %s",
                    len(lost),
                    ", ".join(
                        f"{p.monitor.name} (window ending {p.result.window_end.isoformat()})"
                        for p in lost
                    ),
                )

    def _loop(self) -> None:
        """Sleep until a result is buffered, then try every ``retry`` seconds until the
        buffer is written."""
        while not self._stopping.is_set():
            self._wake.wait()
            self._wake.clear()
            while self.buffered and not self._stopping.wait(self.retry):
                try:
                    self.flush()
                except Exception:  # a late sink's failure is logged there; keep going
                    log.exception("writing buffered results failed")


def _always() -> bool:
    return True


def _for_storing(pending: Pending) -> RunResult:
    """The buffered result as it is stored: its report will not be built."""
    result = pending.result
    report = pending.monitor.report
    if report.enabled and result.status is RunStatus.OK and result.report_error is None:
        return dataclasses.replace(result, report_error=REPORT_NOT_BUILT)
    return result


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
