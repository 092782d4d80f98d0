"""Prediction traffic summaries, checked against numpy computed independently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from monitor.errors import DataError
from monitor.traffic import TrafficSummary, decile_bounds, histogram, summarize
from tests.service.sources import config, monitor_toml


def monitor(**replace: str):  # type: ignore[no-untyped-def]
    text = monitor_toml("m", "sqlite://")
    for old, new in replace.items():
        text = text.replace(old, new)
    return config(text).monitors[0]


def test_probability_scores_get_tenth_buckets() -> None:
    rng = np.random.default_rng(3)
    ref = pd.DataFrame({"score": rng.random(500), "pred": 0})
    cur = pd.DataFrame({"score": rng.beta(5, 2, 300), "pred": 0, "latency_ms": 1.0})
    summary = summarize(monitor(), ref, cur)
    assert summary is not None and summary.prediction is not None
    p = summary.prediction
    assert p.column == "score"
    assert p.upper_bounds == pytest.approx([0.1 * i for i in range(1, 11)])
    values = cur["score"].to_numpy()
    assert list(p.cumulative) == [int(np.sum(values <= b)) for b in p.upper_bounds]
    assert p.count == 300 and p.total == pytest.approx(values.sum())


def test_regression_predictions_get_reference_deciles() -> None:
    text_changes = {
        'prediction_score = "score"\n': "",
        'task = "binary_classification"': 'task = "regression"',
        '[[monitors.performance]]\nmetric = "roc_auc"\nmin = 0.6\n': "",
    }
    m = monitor(**text_changes)
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({"pred": rng.normal(100, 15, 1000)})
    cur = pd.DataFrame({"pred": rng.normal(110, 15, 400)})
    summary = summarize(m, ref, cur)
    assert summary is not None and summary.prediction is not None
    p = summary.prediction
    expected = np.quantile(ref["pred"], np.arange(1, 10) / 10)
    assert p.upper_bounds == pytest.approx(expected)
    values = cur["pred"].to_numpy()
    assert list(p.cumulative) == [int(np.sum(values <= b)) for b in expected]


def test_latency_quantiles_are_in_seconds() -> None:
    rng = np.random.default_rng(5)
    ms = rng.gamma(2, 30, 1000)
    ms[:10] = np.nan
    cur = pd.DataFrame({"score": rng.random(1000), "latency_ms": ms})
    summary = summarize(monitor(), pd.DataFrame({"score": rng.random(10)}), cur)
    assert summary is not None and summary.latency is not None
    finite = ms[~np.isnan(ms)] / 1000
    assert summary.latency.count == 990
    for q, got in summary.latency.quantiles:
        assert got == pytest.approx(np.percentile(finite, q * 100), rel=1e-12)


def test_a_monitor_without_score_or_latency_has_no_summary() -> None:
    m = monitor(
        **{
            'prediction_score = "score"\n': "",
            'latency_column = "latency_ms"\n': "",
            '[[monitors.performance]]\nmetric = "roc_auc"\nmin = 0.6\n': "",
        }
    )
    assert summarize(m, pd.DataFrame({"pred": [1]}), pd.DataFrame({"pred": [0]})) is None


def test_text_in_the_score_column_is_an_error_naming_it() -> None:
    cur = pd.DataFrame({"score": ["0.2", "high"], "latency_ms": [1.0, 2.0]})
    with pytest.raises(DataError, match="score"):
        summarize(monitor(), pd.DataFrame({"score": [0.5]}), cur)


def test_json_round_trip() -> None:
    rng = np.random.default_rng(6)
    cur = pd.DataFrame({"score": rng.random(50), "latency_ms": rng.random(50)})
    summary = summarize(monitor(), pd.DataFrame({"score": rng.random(50)}), cur)
    assert summary is not None
    assert TrafficSummary.from_json(summary.to_json()) == summary
    assert TrafficSummary.from_json(None) is None


@given(
    values=arrays(np.float64, st.integers(0, 200), elements=st.floats(-1e6, 1e6)),
    reference=arrays(np.float64, st.integers(1, 200), elements=st.floats(-1e6, 1e6)),
)
def test_histogram_counts_are_cumulative_and_bounded_by_the_total(
    values: np.ndarray, reference: np.ndarray
) -> None:
    bounds = decile_bounds(reference)
    assert list(bounds) == sorted(set(bounds))
    h = histogram(values, bounds, "x")
    assert list(h.cumulative) == sorted(h.cumulative)
    assert all(0 <= c <= h.count for c in h.cumulative)
    assert h.count == values.size
    if bounds:
        assert h.cumulative[-1] == int(np.sum(values <= bounds[-1]))
