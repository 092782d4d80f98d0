from __future__ import annotations

import numpy as np
import pytest

from monitor.checks.performance import LabelledWindow, bounds, evaluate
from monitor.config.models import Metric, PerformanceCheck, Task
from monitor.result import MetricStatus


def window(target: list[str], prediction: list[str]) -> LabelledWindow:
    return LabelledWindow(np.array(target, dtype=object), np.array(prediction, dtype=object), None)


def test_bounds_take_the_tighter_of_absolute_and_relative() -> None:
    check = PerformanceCheck(metric=Metric.F1, min=0.5, max_drop=0.1)
    assert bounds(check, 0.9) == (0.8, None)
    assert bounds(check, 0.55) == (0.5, None)
    assert bounds(check, None) == (0.5, None)
    rising = PerformanceCheck(metric=Metric.MAE, max=3.0, max_rise=0.5)
    assert bounds(rising, 1.0) == (None, 1.5)
    assert bounds(rising, 2.8) == (None, 3.0)


def test_breach_below_min() -> None:
    check = PerformanceCheck(metric=Metric.ACCURACY, min=0.75)
    current = window(["1", "0", "1", "0"], ["1", "1", "1", "0"])
    result = evaluate(check, Task.BINARY, current, None, "1")
    assert result.value == 0.75
    assert result.status is MetricStatus.OK
    worse = window(["1", "0", "1", "0"], ["0", "1", "1", "0"])
    assert evaluate(check, Task.BINARY, worse, None, "1").status is MetricStatus.BREACHED


def test_max_drop_relative_to_reference() -> None:
    check = PerformanceCheck(metric=Metric.ACCURACY, max_drop=0.2)
    reference = window(["1", "0", "1", "0", "1"], ["1", "0", "1", "0", "1"])
    current = window(["1", "0", "1", "0", "1"], ["1", "0", "1", "1", "0"])
    result = evaluate(check, Task.BINARY, current, reference, "1")
    assert result.reference_value == 1.0
    assert result.lower_bound == pytest.approx(0.8)
    assert result.value == pytest.approx(0.6)
    assert result.status is MetricStatus.BREACHED


def test_window_without_labels_is_no_labels_not_failure() -> None:
    check = PerformanceCheck(metric=Metric.F1, min=0.9)
    result = evaluate(check, Task.BINARY, window([], []), None, "1")
    assert result.status is MetricStatus.NO_LABELS
    assert result.value is None
    assert result.rows == 0


def test_roc_auc_with_one_class_is_undefined() -> None:
    check = PerformanceCheck(metric=Metric.ROC_AUC, min=0.5)
    current = LabelledWindow(np.array(["1", "1"], dtype=object), None, np.array([0.3, 0.8]))
    result = evaluate(check, Task.BINARY, current, None, "1")
    assert result.status is MetricStatus.UNDEFINED
    assert result.value is None


def test_regression_metric_uses_numbers() -> None:
    check = PerformanceCheck(metric=Metric.MAE, max=0.8)
    current = LabelledWindow(np.array([1.0, 2.0, 4.0]), np.array([1.5, 2.0, 2.0]), None)
    result = evaluate(check, Task.REGRESSION, current, None, "1")
    assert result.value == pytest.approx((0.5 + 0 + 2) / 3)
    assert result.status is MetricStatus.BREACHED
