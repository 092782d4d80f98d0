"""Performance metrics of the current window, checked against their bounds.

Bounds combine the absolute ``min``/``max`` of a check with limits relative
to the reference window's value: ``max_drop`` lowers the floor to
``reference - max_drop`` and ``max_rise`` the ceiling to ``reference + max_rise``
(in the metric's own units); the tighter of each pair applies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from monitor.checks import metrics as m
from monitor.config.models import Metric, PerformanceCheck, Task
from monitor.result import MetricResult, MetricStatus


@dataclass(frozen=True)
class LabelledWindow:
    """Rows of one window where the target and the needed prediction are present."""

    target: npt.NDArray[Any]
    prediction: npt.NDArray[Any] | None
    score: npt.NDArray[np.float64] | None

    @property
    def rows(self) -> int:
        return int(self.target.size)


def metric_value(
    check: PerformanceCheck, task: Task, window: LabelledWindow, positive: str
) -> float:
    metric = check.metric
    if metric is Metric.ROC_AUC:
        assert window.score is not None
        return m.roc_auc(window.target, window.score, positive)
    assert window.prediction is not None
    target, prediction = window.target, window.prediction
    if metric is Metric.ACCURACY:
        return m.accuracy(target, prediction)
    if metric in (Metric.PRECISION, Metric.RECALL, Metric.F1):
        if task is Task.BINARY:
            scores = m.binary_scores(target, prediction, positive)
        else:
            scores = m.multiclass_scores(target, prediction, check.average)
        return scores[metric.value]
    regression = {
        Metric.MAE: m.mae,
        Metric.RMSE: m.rmse,
        Metric.MAPE: m.mape,
        Metric.R2: m.r2,
    }
    return regression[metric](target.astype(np.float64), prediction.astype(np.float64))


class Bounded(Protocol):
    """The bound options a realized or estimated metric check has."""

    @property
    def min(self) -> float | None: ...
    @property
    def max(self) -> float | None: ...
    @property
    def max_drop(self) -> float | None: ...
    @property
    def max_rise(self) -> float | None: ...


def bounds(check: Bounded, reference_value: float | None) -> tuple[float | None, float | None]:
    lower, upper = check.min, check.max
    usable = reference_value is not None and math.isfinite(reference_value)
    if usable and check.max_drop is not None:
        assert reference_value is not None
        relative = reference_value - check.max_drop
        lower = relative if lower is None else max(lower, relative)
    if usable and check.max_rise is not None:
        assert reference_value is not None
        relative = reference_value + check.max_rise
        upper = relative if upper is None else min(upper, relative)
    return lower, upper


def reference_metric(
    check: PerformanceCheck, task: Task, reference: LabelledWindow | None, positive: str
) -> float | None:
    """The metric on the reference window, None when it has no labels or no value."""
    if reference is None or not reference.rows:
        return None
    value = metric_value(check, task, reference, positive)
    return None if math.isnan(value) else value


def evaluate(
    check: PerformanceCheck,
    task: Task,
    current: LabelledWindow,
    reference: LabelledWindow | None,
    positive: str,
) -> MetricResult:
    reference_value = reference_metric(check, task, reference, positive)
    if current.rows == 0:
        return judge(check, None, reference_value, 0)
    return judge(check, metric_value(check, task, current, positive), reference_value, current.rows)


def judge(
    check: PerformanceCheck, value: float | None, reference_value: float | None, rows: int
) -> MetricResult:
    """The result of a current ``value`` (None: no labelled rows) against the bounds."""
    lower, upper = bounds(check, reference_value)
    if value is None or rows == 0:
        return MetricResult(
            check.metric.value, None, reference_value, lower, upper, MetricStatus.NO_LABELS, 0
        )
    if math.isnan(value):
        status = MetricStatus.UNDEFINED
    elif (lower is not None and value < lower) or (upper is not None and value > upper):
        status = MetricStatus.BREACHED
    else:
        status = MetricStatus.OK
    return MetricResult(
        check.metric.value,
        None if math.isnan(value) else value,
        reference_value,
        lower,
        upper,
        status,
        rows,
    )
