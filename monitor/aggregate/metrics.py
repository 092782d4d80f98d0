"""Performance metrics from the counts and sums the database returns.

The same definitions as :mod:`monitor.checks.metrics` (scikit-learn's), taken
from a confusion table (classification) or from error sums (regression).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from monitor.config.models import Metric, PerformanceCheck, Task

Confusion = Mapping[tuple[str, str], int]
"""Rows per (target, prediction) label pair."""

CANCELLED = 1e-12
"""A total sum of squares this small next to the sum it came from is zero (a constant
target): the difference of two sums cannot resolve it."""


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return _ratio(2 * precision * recall, precision + recall)


def _binary(confusion: Confusion, positive: str) -> tuple[float, float, float]:
    """Precision, recall, F1 of ``positive``, and its support."""
    tp = float(confusion.get((positive, positive), 0))
    predicted = float(sum(n for (_, p), n in confusion.items() if p == positive))
    actual = float(sum(n for (t, _), n in confusion.items() if t == positive))
    precision, recall = _ratio(tp, predicted), _ratio(tp, actual)
    return precision, recall, _f1(precision, recall)


def classification_value(
    check: PerformanceCheck, task: Task, confusion: Confusion, positive: str
) -> float:
    rows = sum(confusion.values())
    correct = sum(n for (t, p), n in confusion.items() if t == p)
    accuracy = correct / rows
    metric = check.metric
    if metric is Metric.ACCURACY:
        return accuracy
    index = {Metric.PRECISION: 0, Metric.RECALL: 1, Metric.F1: 2}[metric]
    if task is Task.BINARY:
        return _binary(confusion, positive)[index]
    if check.average == "micro":
        return accuracy
    labels = np.unique(np.array([label for pair in confusion for label in pair], dtype=object))
    scores = np.array([_binary(confusion, label)[index] for label in labels.tolist()])
    if check.average == "macro":
        weights = np.ones(labels.size)
    else:
        weights = np.array(
            [sum(n for (t, _), n in confusion.items() if t == label) for label in labels.tolist()],
            dtype=np.float64,
        )
    if weights.sum() == 0:
        return 0.0
    return float(np.average(scores, weights=weights))


@dataclass(frozen=True)
class ErrorSums:
    """Sums over the rows with both target and prediction present."""

    rows: int
    abs_error: float
    sq_error: float
    abs_pct_error: float
    target: float
    """Sum of (target - centre)."""
    sq_target: float
    """Sum of (target - centre)²."""


def regression_value(metric: Metric, sums: ErrorSums) -> float:
    n = sums.rows
    if metric is Metric.MAE:
        return sums.abs_error / n
    if metric is Metric.RMSE:
        return math.sqrt(sums.sq_error / n)
    if metric is Metric.MAPE:
        return sums.abs_pct_error / n
    if metric is Metric.R2:
        total = sums.sq_target - sums.target * sums.target / n
        if total <= CANCELLED * sums.sq_target or total <= 0.0:
            return 1.0 if sums.sq_error == 0.0 else 0.0
        return 1.0 - sums.sq_error / total
    raise ValueError(f"metric {metric.value!r} is not a regression metric")
