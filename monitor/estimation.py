"""The estimated performance of one run: CBPE applied with the monitor's options.

The calibration is fitted on the labelled rows of the reference window once per
reference profile (with the metrics realized there) and reused by every run that
shares it. Each estimate is
checked against its bounds like a realized metric; ``reference_value`` is the
metric *realized* on the reference window (what ``max_drop``/``max_rise`` are
relative to), so an estimate reads as "the model is expected to score this,
against what it scored on the reference".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from monitor.checks.calibration import Calibration, fit_calibration
from monitor.checks.cbpe import estimate
from monitor.checks.performance import LabelledWindow, bounds, metric_value
from monitor.columns import canonical_label, float_array
from monitor.config.estimated import EstimatedCheck
from monitor.config.models import Metric, MonitorConfig, PerformanceCheck, Task
from monitor.errors import DataError
from monitor.profile import ReferenceProfile
from monitor.result import MetricResult, MetricStatus


def _labels(series: pd.Series) -> npt.NDArray[Any]:
    return np.array([canonical_label(v) for v in series.tolist()], dtype=object)


def _present(labels: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    return np.array([v is not None for v in labels], dtype=bool)


class _Rows:
    """The score, predicted label and target of one window's rows usable for CBPE."""

    def __init__(
        self, monitor: MonitorConfig, frame: pd.DataFrame, window: str, *, labelled: bool
    ) -> None:
        assert monitor.prediction_score is not None
        needs_prediction = any(c.metric != "roc_auc" for c in monitor.estimated)
        score = float_array(
            frame[monitor.prediction_score],
            column=monitor.prediction_score,
            monitor=monitor.name,
            window=window,
        )
        keep = ~np.isnan(score)
        prediction = None
        if needs_prediction:
            assert monitor.prediction is not None
            prediction = _labels(frame[monitor.prediction])
            keep &= _present(prediction)
        target = None
        if labelled:
            assert monitor.target is not None
            target = _labels(frame[monitor.target])
            keep &= _present(target)
        self.score = score[keep]
        self.prediction = None if prediction is None else prediction[keep]
        self.target = None if target is None else target[keep]


@dataclass(frozen=True)
class FittedReference:
    """What the estimates need of the reference, computed once per reference profile."""

    calibration: Calibration
    realized: dict[str, float | None]
    """Each estimated metric realized on the reference window (None when undefined)."""


def fitted_reference(
    monitor: MonitorConfig, profile: ReferenceProfile, positive: str
) -> FittedReference:
    metrics = tuple(sorted({c.metric for c in monitor.estimated}))
    key = ("cbpe", monitor.prediction_score, monitor.prediction, monitor.target, positive, metrics)
    return profile.fitted(key, lambda: _fit(monitor, profile.frame, positive, metrics))


def _fit(
    monitor: MonitorConfig, frame: pd.DataFrame, positive: str, metrics: tuple[str, ...]
) -> FittedReference:
    reference = _Rows(monitor, frame, "reference", labelled=True)
    assert reference.target is not None
    if reference.score.size == 0:
        raise DataError(
            f"monitor {monitor.name!r}: performance estimation needs labelled reference rows "
            f"(with '{monitor.target}' and '{monitor.prediction_score}' present) to calibrate "
            f"the scores on; the reference window has none"
        )
    calibration = fit_calibration(reference.score, reference.target == positive)
    window = LabelledWindow(reference.target, reference.prediction, reference.score)
    realized = {}
    for metric in metrics:
        check = PerformanceCheck(metric=Metric(metric))
        value = metric_value(check, Task.BINARY, window, positive)
        realized[metric] = None if math.isnan(value) else value
    return FittedReference(calibration, realized)


def estimate_performance(
    monitor: MonitorConfig,
    profile: ReferenceProfile,
    current: pd.DataFrame,
    positive: str,
) -> tuple[MetricResult, ...]:
    """One result per ``[[monitors.estimated]]`` entry, for the current window."""
    if not monitor.estimated:
        return ()
    reference = fitted_reference(monitor, profile, positive)
    rows = _Rows(monitor, current, "current", labelled=False)
    metrics = tuple(c.metric for c in monitor.estimated)
    predicted = None if rows.prediction is None else rows.prediction == positive
    values = (
        estimate(metrics, reference.calibration(rows.score), rows.score, predicted).values
        if rows.score.size
        else {}
    )
    return tuple(
        _result(check, values.get(check.metric), reference.realized[check.metric], rows.score.size)
        for check in monitor.estimated
    )


def _result(
    check: EstimatedCheck, value: float | None, reference_value: float | None, rows: int
) -> MetricResult:
    lower, upper = bounds(check, reference_value)
    if value is None or math.isnan(value):
        status, value = MetricStatus.UNDEFINED, None
    elif (lower is not None and value < lower) or (upper is not None and value > upper):
        status = MetricStatus.BREACHED
    else:
        status = MetricStatus.OK
    return MetricResult(check.metric, value, reference_value, lower, upper, status, rows)
