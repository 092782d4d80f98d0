"""Prediction traffic of the current window: the spread of the predicted values and
the serving latency, as a service owner watches them.

Pure functions on the window's rows; the results are part of the run's
:class:`~monitor.result.RunResult` (stored, exported, shown), so a restart keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from monitor.columns import float_array
from monitor.config.models import MonitorConfig, Task

PROBABILITY_EDGES: tuple[float, ...] = tuple(round(0.1 * i, 1) for i in range(1, 11))
"""Bucket upper bounds for probabilities: 0.1, 0.2, ..., 1.0."""
DECILES: tuple[float, ...] = tuple(round(0.1 * i, 1) for i in range(1, 10))
LATENCY_QUANTILES: tuple[float, ...] = (0.5, 0.95, 0.99)
_UNIT_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}


@dataclass(frozen=True)
class ValueHistogram:
    """Counts of the current window's values at or below each upper bound."""

    column: str
    upper_bounds: tuple[float, ...]
    """Finite bucket bounds, increasing; the +Inf bucket is ``count``."""
    cumulative: tuple[int, ...]
    """Values ``<= upper_bounds[i]``, one per bound."""
    count: int
    total: float
    """Sum of the values."""


@dataclass(frozen=True)
class LatencyQuantiles:
    column: str
    quantiles: tuple[tuple[float, float], ...]
    """``(quantile, seconds)`` pairs for 0.5, 0.95 and 0.99."""
    count: int


@dataclass(frozen=True)
class TrafficSummary:
    prediction: ValueHistogram | None = None
    latency: LatencyQuantiles | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.prediction is not None:
            p = self.prediction
            out["prediction"] = {
                "column": p.column,
                "upper_bounds": list(p.upper_bounds),
                "cumulative": list(p.cumulative),
                "count": p.count,
                "sum": p.total,
            }
        if self.latency is not None:
            lat = self.latency
            out["latency"] = {
                "column": lat.column,
                "quantiles": [[q, v] for q, v in lat.quantiles],
                "count": lat.count,
            }
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> TrafficSummary | None:
        if not data:
            return None
        prediction = None
        latency = None
        if "prediction" in data:
            p = data["prediction"]
            prediction = ValueHistogram(
                column=str(p["column"]),
                upper_bounds=tuple(float(b) for b in p["upper_bounds"]),
                cumulative=tuple(int(c) for c in p["cumulative"]),
                count=int(p["count"]),
                total=float(p["sum"]),
            )
        if "latency" in data:
            lat = data["latency"]
            latency = LatencyQuantiles(
                column=str(lat["column"]),
                quantiles=tuple((float(q), float(v)) for q, v in lat["quantiles"]),
                count=int(lat["count"]),
            )
        return cls(prediction=prediction, latency=latency)


def summarize(
    monitor: MonitorConfig, reference: pd.DataFrame, current: pd.DataFrame
) -> TrafficSummary | None:
    """The traffic summary of a run whose windows hold these rows, or None when the
    monitor has neither a numeric prediction (score) nor a latency column."""
    prediction = _prediction_histogram(monitor, reference, current)
    latency = _latency(monitor, current)
    if prediction is None and latency is None:
        return None
    return TrafficSummary(prediction=prediction, latency=latency)


def histogram(
    values: npt.NDArray[np.float64], upper_bounds: tuple[float, ...], column: str
) -> ValueHistogram:
    """Cumulative counts of the finite ``values`` at or below each bound."""
    finite = np.sort(values[np.isfinite(values)])
    edges = np.asarray(upper_bounds, dtype=np.float64)
    cumulative = np.searchsorted(finite, edges, side="right")
    return ValueHistogram(
        column=column,
        upper_bounds=tuple(float(b) for b in edges),
        cumulative=tuple(int(c) for c in cumulative),
        count=int(finite.size),
        total=float(finite.sum()),
    )


def decile_bounds(reference: npt.NDArray[np.float64]) -> tuple[float, ...]:
    """Distinct deciles of the reference values (bucket bounds for unbounded values)."""
    finite = reference[np.isfinite(reference)]
    if finite.size == 0:
        return ()
    return tuple(float(b) for b in np.unique(np.quantile(finite, DECILES)))


def is_probability(values: npt.NDArray[np.float64]) -> bool:
    finite = values[np.isfinite(values)]
    return bool(finite.size) and bool(np.all((finite >= 0) & (finite <= 1)))


def _prediction_histogram(
    monitor: MonitorConfig, reference: pd.DataFrame, current: pd.DataFrame
) -> ValueHistogram | None:
    if monitor.prediction_score is not None:
        column = monitor.prediction_score
    elif monitor.prediction is not None and monitor.task is Task.REGRESSION:
        column = monitor.prediction
    else:
        return None
    if column not in current.columns:
        return None
    values = _floats(current, column, monitor, "current")
    ref = (
        _floats(reference, column, monitor, "reference")
        if column in reference.columns
        else np.empty(0)
    )
    is_score = column == monitor.prediction_score
    if is_score and (is_probability(ref) or (ref.size == 0 and is_probability(values))):
        bounds = PROBABILITY_EDGES
    else:
        bounds = decile_bounds(ref)
    return histogram(values, bounds, column)


def _latency(monitor: MonitorConfig, current: pd.DataFrame) -> LatencyQuantiles | None:
    column = monitor.latency_column
    if column is None or column not in current.columns:
        return None
    values = _floats(current, column, monitor, "current") * _UNIT_SECONDS[monitor.latency_unit]
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    found = np.quantile(finite, LATENCY_QUANTILES)
    return LatencyQuantiles(
        column=column,
        quantiles=tuple((q, float(v)) for q, v in zip(LATENCY_QUANTILES, found, strict=True)),
        count=int(finite.size),
    )


def _floats(
    frame: pd.DataFrame, column: str, monitor: MonitorConfig, window: str
) -> npt.NDArray[np.float64]:
    return float_array(frame[column], column=column, monitor=monitor.name, window=window)
