"""One run of a monitor in aggregate mode, after its reference profile is built.

The reference side is the cached profile (rows read once); the current window
is only ever counted by the database (see :mod:`monitor.aggregate.window`).
The result is the same :class:`~monitor.result.RunResult` row mode produces,
so the store, gauges and alerts read it unchanged. There is no
:class:`~monitor.runner.RunData` (no rows): no HTML report is written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from monitor.aggregate import sql
from monitor.aggregate.metrics import (
    Confusion,
    ErrorSums,
    classification_value,
    regression_value,
)
from monitor.aggregate.window import Extremes, WindowCounter
from monitor.checks.drift import ColumnPair, dataset_drift
from monitor.checks.performance import LabelledWindow, judge, reference_metric
from monitor.columns import canonical_label, float_array
from monitor.config.aggregate import check_aggregate
from monitor.config.models import MonitorConfig, Task
from monitor.errors import DataError
from monitor.profile import ReferenceProfile
from monitor.result import MetricResult, Role, RunResult, RunStatus
from monitor.run_checks import RunChecks
from monitor.source import SqlSource
from monitor.stats import FeatureType, StatTestRegistry
from monitor.stats.aggregate import aggregate_registry
from monitor.traffic import (
    PROBABILITY_EDGES,
    TrafficSummary,
    ValueHistogram,
    decile_bounds,
    is_probability,
)
from monitor.windows import RunWindows

Labelled = Callable[[pd.DataFrame, bool, str], LabelledWindow]


class AggregateRun:
    """The current window's side of a run, counted in the database."""

    def __init__(
        self,
        monitor: MonitorConfig,
        windows: RunWindows,
        registry: StatTestRegistry,
        source: SqlSource,
        profile: ReferenceProfile,
    ) -> None:
        problems = check_aggregate(monitor, registry)
        if problems:
            raise DataError("; ".join(problems))
        self.monitor = monitor
        self.windows = windows
        self.registry = aggregate_registry(registry)
        self.profile = profile
        self.counter = WindowCounter(monitor, source, windows.current)

    def execute(
        self,
        base: RunResult,
        too_few_rows: Callable[[int, int], str | None],
        labelled: Labelled,
        clock: Callable[[], Any],
    ) -> RunResult:
        """The run's result; every statement over the window reads one snapshot."""
        with self.counter.source.snapshot():
            return self._execute(base, too_few_rows, labelled, clock)

    def _execute(
        self,
        base: RunResult,
        too_few_rows: Callable[[int, int], str | None],
        labelled: Labelled,
        clock: Callable[[], Any],
    ) -> RunResult:
        profile = self.profile
        numerical = [
            n for n, c in profile.columns.items() if c.feature_type is FeatureType.NUMERICAL
        ]
        rows, extremes = self.counter.stats(numerical)
        checks = RunChecks(self.monitor, self.windows, self.registry)
        base = dataclasses.replace(
            base,
            rows_reference=profile.rows,
            rows_current=rows,
            traffic=self._traffic(extremes),
        )
        volume = checks.volume(profile.rows, rows)
        short = too_few_rows(profile.rows, rows)
        if short:  # label coverage is left out (row mode has it when the window has rows)
            return dataclasses.replace(
                base,
                status=RunStatus.INSUFFICIENT_DATA,
                error=short,
                quality=volume,
                finished_at=clock(),
            )
        current = self.counter.columns(profile.columns, rows, extremes)
        target = self.monitor.target
        if target is not None and target in current:
            base = dataclasses.replace(base, label_coverage=current[target].present / rows)
        pairs = [
            ColumnPair(profile.columns[name], current[name], profile.roles[name])
            for name in profile.columns
            if profile.roles[name] is not Role.TARGET
            or (profile.columns[name].present and current[name].present)
        ]
        columns = checks.drift(pairs)
        return dataclasses.replace(
            base,
            status=RunStatus.OK,
            columns=columns,
            metrics=self._performance(labelled),
            dataset_drift=dataset_drift(columns, self.monitor.drift.drift_share),
            quality=volume + checks.quality(pairs),
            finished_at=clock(),
        )

    # -- performance --------------------------------------------------------------

    def _performance(self, labelled: Labelled) -> tuple[MetricResult, ...]:
        m = self.monitor
        if not m.performance or m.task is None or m.target is None or m.prediction is None:
            return ()
        positive = canonical_label(m.positive_label) or "1"
        reference = labelled(self.profile.frame, False, "reference")
        if m.task is Task.REGRESSION:
            sums = self._error_sums(reference)
            return tuple(
                judge(
                    check,
                    regression_value(check.metric, sums) if sums.rows else None,
                    reference_metric(check, m.task, reference, positive),
                    sums.rows,
                )
                for check in m.performance
            )
        confusion = self._confusion()
        rows = sum(confusion.values())
        return tuple(
            judge(
                check,
                classification_value(check, m.task, confusion, positive) if rows else None,
                reference_metric(check, m.task, reference, positive),
                rows,
            )
            for check in m.performance
        )

    def _confusion(self) -> Confusion:
        m = self.monitor
        assert m.target is not None and m.prediction is not None
        target, prediction = m.target, m.prediction
        limit = m.aggregate.max_groups
        found = self.counter.source.aggregate(
            self.windows.current,
            [target, prediction],
            lambda s, c: sql.confusion(s, c, target, prediction, limit + 1),
        )
        if len(found) > limit:
            raise DataError(
                f"monitor {m.name!r}: columns {target!r} and {prediction!r}: more than {limit} "
                "(target, prediction) pairs in the current window; expected class labels "
                "(aggregate.max_groups)"
            )
        out: dict[tuple[str, str], int] = {}
        for t, p, n in found:
            pair = canonical_label(t), canonical_label(p)
            if pair[0] is not None and pair[1] is not None:
                key = (pair[0], pair[1])
                out[key] = out.get(key, 0) + int(n)
        return out

    def _error_sums(self, reference: LabelledWindow) -> ErrorSums:
        m = self.monitor
        assert m.target is not None and m.prediction is not None
        target, prediction = m.target, m.prediction
        centre = float(np.mean(reference.target)) if reference.rows else 0.0
        row = self.counter.source.aggregate(
            self.windows.current,
            [target, prediction],
            lambda s, c: sql.error_sums(s, c, target, prediction, centre),
        )[0]
        n = int(row[0] or 0)
        return ErrorSums(n, *(float(v or 0.0) for v in row[1:]))

    # -- traffic ------------------------------------------------------------------

    def _traffic(self, extremes: dict[str, Extremes]) -> TrafficSummary | None:
        m = self.monitor
        if m.prediction_score is not None:
            column = m.prediction_score
        elif m.prediction is not None and m.task is Task.REGRESSION:
            column = m.prediction
        else:
            return None
        frame = self.profile.frame
        ref = (
            float_array(frame[column], column=column, monitor=m.name, window="reference")
            if column in frame.columns
            else np.empty(0)
        )
        is_score = column == m.prediction_score
        current = extremes.get(column)
        current_is_probability = (
            current is not None
            and current.low is not None
            and current.high is not None
            and current.low >= 0
            and current.high <= 1
        )
        if is_score and (is_probability(ref) or (ref.size == 0 and current_is_probability)):
            bounds = PROBABILITY_EDGES
        else:
            bounds = decile_bounds(ref)
        row = self.counter.source.aggregate(
            self.windows.current,
            [column],
            lambda s, c: sql.cumulative_counts(s, c, column, bounds),
        )[0]
        values = [int(v or 0) for v in row[: len(bounds)]]
        return TrafficSummary(
            prediction=ValueHistogram(
                column=column,
                upper_bounds=tuple(float(b) for b in bounds),
                cumulative=tuple(values),
                count=int(row[len(bounds)] or 0),
                total=float(row[len(bounds) + 1] or 0.0),
            )
        )


__all__ = ["AggregateRun"]
