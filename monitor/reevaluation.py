"""Evaluate past windows again as their labels arrive (``[monitors.labels] label_lag``).

At each tick, the windows of a monitor that ended within ``label_lag`` before
the tick are looked at, each by its latest evaluation. A window is due when the
label rows now known for its predictions differ in number from those known at
that evaluation (a cheap ``COUNT`` per window; late labels and corrections both
change it). A due window is run again, entirely, on the labels known now; the
new run is stored as a run of its own whose ``reevaluates`` names the
evaluation it follows, so the history keeps every evaluation and the latest one
per window is that window's result.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from monitor.config.models import MonitorConfig
from monitor.pipeline import Pipeline
from monitor.result import RunResult, RunStatus
from monitor.source import SourceSpec

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def reevaluates(monitor: MonitorConfig) -> bool:
    """Whether the monitor's past windows are ever evaluated again."""
    labels = monitor.labels
    return labels is not None and labels.label_lag > timedelta(0)


class Reevaluator:
    """Finds the past windows whose labels changed and evaluates them again."""

    def __init__(self, pipeline: Pipeline, *, stopping: Callable[[], bool] = lambda: False) -> None:
        self.pipeline = pipeline
        self._stopping = stopping
        """Checked before each window: a service shutting down evaluates no more."""

    def due(self, monitor: MonitorConfig, tick: datetime) -> list[RunResult]:
        """Latest ``ok`` evaluations of the windows ending in ``[tick - label_lag, tick)``
        whose known label rows changed since, oldest first."""
        if not reevaluates(monitor):
            return []
        assert monitor.labels is not None
        runner = self.pipeline.runner
        past = self.pipeline.store.window_evaluations(
            monitor.name,
            since=tick - monitor.labels.label_lag,
            until=tick,
            status=RunStatus.OK,
        )
        source = runner.source(
            monitor, SourceSpec(monitor.table, monitor.query, monitor.timestamp_column)
        )
        now = runner.clock()
        due = []
        for run in past:
            known = source.count_labels(run.current, now)
            if known != (run.labels_known or 0):
                due.append(run)
        return due

    def run(self, monitor: MonitorConfig, tick: datetime) -> list[RunResult]:
        """Evaluate again every due window before ``tick``; return the stored results.

        Failures are recorded like any run's (a re-evaluation that fails is stored
        with status ``error`` and the window's previous evaluation stays its latest
        ``ok`` one); nothing escapes.
        """
        try:
            due = self.due(monitor, tick)
        except Exception as exc:  # a source that cannot be read: the next tick tries again
            log.warning(
                "monitor %r: looking for windows to re-evaluate failed: %s", monitor.name, exc
            )
            return []
        out = []
        for previous in due:
            if self._stopping():
                log.info("monitor %r: re-evaluations left for the next start", monitor.name)
                break
            result, data = self.pipeline.runner.run_with_data(monitor, previous.window_end)
            result = dataclasses.replace(result, reevaluates=previous.run_id)
            stored = self.pipeline.publish_reevaluation(monitor, result, data)
            log.info(
                "monitor %r: window ending %s re-evaluated as labels arrived (run %s follows "
                "run %s; label rows %s -> %s; status %s)",
                monitor.name,
                previous.window_end.isoformat(),
                stored.run_id,
                previous.run_id,
                previous.labels_known,
                stored.labels_known,
                stored.status.value,
            )
            out.append(stored)
        return out


def reevaluation_line(result: RunResult) -> str:
    """One line for ``driftwarden run``'s table output."""
    figures = ", ".join(
        f"{m.metric} {m.value:.4g}" if m.value is not None else f"{m.metric} {m.status.value}"
        for m in result.metrics
    )
    coverage = "n/a" if result.label_coverage is None else f"{result.label_coverage:.1%}"
    return (
        f"re-evaluated window ending {result.window_end.isoformat()} as labels arrived "
        f"(run {result.run_id}, follows run {result.reevaluates}): {result.status.value}; "
        f"label coverage {coverage}; {figures or 'no performance checks'}"
        + (f"; error: {result.error}" if result.error else "")
    )
