"""Run a monitor at a tick and hand its result to the sinks.

The store comes first (it gives the run its id); every other sink (exporter,
reports, alerts) then gets the stored result. A sink that fails is logged and
skipped; it never stops the others or the run.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from monitor.config.models import MonitorConfig
from monitor.result import RunResult
from monitor.runner import RunData, Runner
from monitor.store import Store

log = logging.getLogger(__name__)


class Sink(Protocol):
    name: str

    def publish(self, monitor: MonitorConfig, result: RunResult, data: RunData | None) -> None:
        """Take a stored result (``data`` holds its rows when both windows were read)."""


@runtime_checkable
class ReevaluationSink(Protocol):
    def publish_reevaluation(
        self, monitor: MonitorConfig, result: RunResult, data: RunData | None, *, newest: bool
    ) -> None:
        """Take a stored re-evaluation of a past window (``result.reevaluates`` is set).

        ``newest``: no later window has labelled performance figures, so this
        evaluation's metrics are the monitor's current ones. Sinks without this
        method never see re-evaluations (e.g. the HTML reports).
        """


def needs_store(sink: Sink) -> bool:
    """Whether ``sink`` needs the run stored first (its run id, the results database).

    A sink that does not sets ``needs_store = False``: while the results database is
    unreachable the daemon still hands it each result at once, without a run id (see
    :mod:`monitor.service.storewriter`). Such a sink may also have
    ``stored(result, stored)``, called when that result has been written."""
    return bool(getattr(sink, "needs_store", True))


class Pipeline:
    def __init__(self, runner: Runner, store: Store, sinks: Sequence[Sink] = ()) -> None:
        self.runner = runner
        self.store = store
        self.sinks = list(sinks)

    def run(self, monitor: MonitorConfig, window_end: datetime) -> RunResult:
        result, data = self.runner.run_with_data(monitor, window_end)
        return self.publish(monitor, result, data)

    def publish(
        self, monitor: MonitorConfig, result: RunResult, data: RunData | None = None
    ) -> RunResult:
        """Store a result computed elsewhere (or made up, e.g. a timed-out run) and
        hand it to every sink; return it with its run id."""
        run_id = self.store.save(result)
        stored = dataclasses.replace(result, run_id=run_id)
        for sink in self.sinks:
            try:
                sink.publish(monitor, stored, data)
            except Exception:
                log.exception(
                    "monitor %r: sink %s failed for run %s", monitor.name, sink.name, run_id
                )
        return stored

    def publish_reevaluation(
        self, monitor: MonitorConfig, result: RunResult, data: RunData | None = None
    ) -> RunResult:
        """Store a re-evaluation of a past window and hand it to the sinks that take
        re-evaluations; return it with its run id."""
        run_id = self.store.save(result)
        stored = dataclasses.replace(result, run_id=run_id)
        newest = self.store.newest_labelled_window(monitor.name) == stored.window_end
        for sink in self.sinks:
            if not isinstance(sink, ReevaluationSink):
                continue
            try:
                sink.publish_reevaluation(monitor, stored, data, newest=newest)
            except Exception:
                log.exception(
                    "monitor %r: sink %s failed for re-evaluation run %s",
                    monitor.name,
                    sink.name,
                    run_id,
                )
        return stored
