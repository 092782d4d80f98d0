"""Time series of one score or metric of a monitor, read from the results database.

One point per window, ordered by window end: when a window was evaluated more
than once (a rerun, a re-evaluation as labels arrive) its newest run counts. A
window whose run has no value for the series (an error, no labels yet, a column
not tested) is still a point, with ``value`` None, so charts show the gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from monitor.store.rows import ESTIMATED, REALIZED
from monitor.store.schema import ColumnRow, MetricRow, RunRow
from monitor.store.store import Store


class SeriesKind(StrEnum):
    DATASET_DRIFT_SHARE = "dataset_drift_share"
    COLUMN_DRIFT_SCORE = "column_drift_score"
    PERFORMANCE_METRIC = "performance_metric"
    PERFORMANCE_ESTIMATED = "performance_estimated"


@dataclass(frozen=True)
class Series:
    """Which values: the dataset drift share, a column's drift score, or a metric."""

    kind: SeriesKind
    name: str | None = None
    """The column or metric (None for the dataset drift share)."""

    @classmethod
    def of(cls, *, metric: str | None, column: str | None, estimated: bool) -> Series:
        if metric is not None and column is not None:
            raise ValueError("give either 'metric' or 'column', not both")
        if estimated and metric is None:
            raise ValueError("'estimated' applies to a 'metric' only")
        if metric is not None:
            kind = SeriesKind.PERFORMANCE_ESTIMATED if estimated else SeriesKind.PERFORMANCE_METRIC
            return cls(kind, metric)
        if column is not None:
            return cls(SeriesKind.COLUMN_DRIFT_SCORE, column)
        return cls(SeriesKind.DATASET_DRIFT_SHARE)


@dataclass(frozen=True)
class HistoryPoint:
    run_id: int
    window_start: datetime | None
    window_end: datetime
    run_status: str
    value: float | None
    """None when the run has no (finite) value for the series."""
    status: str | None
    """``drift``/``ok`` for drift shares, the column's verdict or status (``drift``,
    ``ok``, ``insufficient_data``, ``undefined``), the metric's status; None without a value row."""
    threshold: float | None = None
    """The drift share's or column test's threshold."""
    lower_bound: float | None = None
    upper_bound: float | None = None
    method: str | None = None
    """The column's drift test."""


def read_history(
    store: Store,
    monitor: str,
    series: Series,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    last: int | None = None,
) -> list[HistoryPoint]:
    """Points of windows ending in ``[start, end]``, oldest first; ``last``: only the
    newest that many windows."""
    runs = [RunRow.monitor == monitor]
    if start is not None:
        runs.append(RunRow.window_end >= start)
    if end is not None:
        runs.append(RunRow.window_end <= end)
    if last is not None:
        newest = (
            sa.select(RunRow.window_end)
            .where(*runs)
            .distinct()
            .order_by(RunRow.window_end.desc())
            .limit(last)
            .subquery()
        )
        runs.append(
            RunRow.window_end >= sa.select(sa.func.min(newest.c.window_end)).scalar_subquery()
        )
    stmt = _select(series).where(*runs).order_by(RunRow.window_end, RunRow.id)
    with store.session() as session:
        rows = session.execute(stmt).all()
    by_window: dict[datetime, HistoryPoint] = {}
    for row in rows:
        point = _point(series, row)
        previous = by_window.get(point.window_end)
        if previous is None or previous.run_id != point.run_id:
            by_window[point.window_end] = point  # a newer run of the window replaces it
    return sorted(by_window.values(), key=lambda p: p.window_end)


_RUN = (RunRow.id, RunRow.window_start, RunRow.window_end, RunRow.status)


def _select(series: Series) -> sa.Select[*tuple[Any, ...]]:
    if series.kind is SeriesKind.DATASET_DRIFT_SHARE:
        return sa.select(
            *_RUN, RunRow.drift_share, RunRow.dataset_drift, RunRow.drift_share_threshold
        )
    if series.kind is SeriesKind.COLUMN_DRIFT_SCORE:
        on = sa.and_(ColumnRow.run_id == RunRow.id, ColumnRow.column == series.name)
        return (
            sa.select(
                *_RUN,
                ColumnRow.score,
                ColumnRow.drifted,
                ColumnRow.threshold,
                ColumnRow.status,
                ColumnRow.method,
                ColumnRow.id,
            )
            .select_from(RunRow)
            .outerjoin(ColumnRow, on)
        )
    kind = ESTIMATED if series.kind is SeriesKind.PERFORMANCE_ESTIMATED else REALIZED
    on = sa.and_(
        MetricRow.run_id == RunRow.id, MetricRow.metric == series.name, MetricRow.kind == kind
    )
    return (
        sa.select(
            *_RUN,
            MetricRow.value,
            MetricRow.status,
            MetricRow.lower_bound,
            MetricRow.upper_bound,
            MetricRow.id,
        )
        .select_from(RunRow)
        .outerjoin(MetricRow, on)
    )


def _float(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _point(series: Series, row: Row[*tuple[Any, ...]]) -> HistoryPoint:
    run_id, window_start, window_end, run_status, *rest = row
    assert isinstance(run_id, int) and isinstance(window_end, datetime)
    assert window_start is None or isinstance(window_start, datetime)

    def point(
        value: object,
        status: str | None,
        *,
        threshold: object = None,
        lower: object = None,
        upper: object = None,
        method: object = None,
    ) -> HistoryPoint:
        return HistoryPoint(
            run_id,
            window_start,
            window_end,
            str(run_status),
            _float(value),
            status,
            threshold=_float(threshold),
            lower_bound=_float(lower),
            upper_bound=_float(upper),
            method=_text(method),
        )

    if series.kind is SeriesKind.DATASET_DRIFT_SHARE:
        share, detected, threshold = rest
        status = None if share is None else ("drift" if detected else "ok")
        return point(share, status, threshold=threshold)
    if series.kind is SeriesKind.COLUMN_DRIFT_SCORE:
        score, drifted, threshold, column_status, method, row_id = rest
        status = None if row_id is None else ("drift" if drifted else _text(column_status))
        return point(score, status, threshold=threshold, method=method)
    value, metric_status, lower, upper, row_id = rest
    status = None if row_id is None else _text(metric_status)
    return point(value, status, lower=lower, upper=upper)
