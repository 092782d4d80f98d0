"""Laws of confidence-based performance estimation, checked against independent figures."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score

from monitor.checks.calibration import expected_calibration_error, fit_calibration
from monitor.checks.cbpe import (
    ESTIMATED_METRICS,
    estimate,
    estimated_roc_auc,
    expected_confusion,
)

probabilities = st.integers(1, 60).flatmap(
    lambda n: st.tuples(
        hnp.arrays(np.float64, n, elements=st.floats(0, 1)),
        hnp.arrays(np.bool_, n),
        hnp.arrays(np.float64, n, elements=st.sampled_from([0.1, 0.2, 0.5, 0.7, 0.9])),
    )
)


@settings(max_examples=150, deadline=None)
@given(probabilities)
def test_estimates_are_ratios_and_the_matrix_sums_to_the_rows(
    case: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    p, predicted, scores = case
    matrix = expected_confusion(p, predicted)
    assert matrix.rows == pytest.approx(p.size)
    assert min(matrix.tp, matrix.fp, matrix.fn, matrix.tn) >= 0
    found = estimate(ESTIMATED_METRICS, p, scores, predicted).values
    for metric, value in found.items():
        assert math.isnan(value) or -1e-12 <= value <= 1 + 1e-12, metric


@settings(max_examples=150, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 80), elements=st.floats(0, 1)))
def test_accuracy_of_thresholded_calibrated_scores_is_the_mean_confidence(p: np.ndarray) -> None:
    """Predicting positive when p >= 0.5, each row is right with probability max(p, 1 - p)."""
    found = estimate(("accuracy",), p, p, p >= 0.5).values["accuracy"]
    assert found == pytest.approx(float(np.mean(np.maximum(p, 1 - p))), abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(2, 60).flatmap(
        lambda n: st.tuples(
            hnp.arrays(np.bool_, n),
            hnp.arrays(np.bool_, n),
            hnp.arrays(np.float64, n, elements=st.floats(0, 1), unique=True),
        )
    )
)
def test_certain_probabilities_give_the_realized_metrics(
    case: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """With p in {0, 1} the expected confusion matrix is the realized one (scikit-learn);
    the scores are distinct, as a calibrated probability is a function of the score."""
    actual, predicted, scores = case
    p = actual.astype(np.float64)
    found = estimate(ESTIMATED_METRICS, p, scores, predicted).values
    assert found["accuracy"] == pytest.approx(accuracy_score(actual, predicted))
    if predicted.any():
        assert found["precision"] == pytest.approx(precision_score(actual, predicted))
    else:
        assert math.isnan(found["precision"])
    if actual.any():
        assert found["recall"] == pytest.approx(recall_score(actual, predicted))
    if actual.any() or predicted.any():
        assert found["f1"] == pytest.approx(f1_score(actual, predicted))
    if actual.any() and not actual.all():
        assert found["roc_auc"] == pytest.approx(roc_auc_score(actual, scores))
    else:
        assert math.isnan(found["roc_auc"])


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 50).flatmap(
        lambda n: st.tuples(
            hnp.arrays(np.float64, n, elements=st.sampled_from([0.0, 0.3, 0.3, 0.6, 0.95])),
            hnp.arrays(np.float64, n, elements=st.floats(0.01, 0.99)),
        )
    )
)
def test_estimated_roc_auc_is_the_auc_of_the_expected_labels(
    case: tuple[np.ndarray, np.ndarray],
) -> None:
    """Each row counted as a positive with weight p and a negative with weight 1 - p:
    scikit-learn's weighted ROC AUC of that table (ties as a straight segment)."""
    raw, p = case
    # a calibrated probability is a function of the score: tied scores share one
    by_score = {s: p[i] for i, s in enumerate(raw)}
    p = np.array([by_score[s] for s in raw])
    scores = np.concatenate([raw, raw])
    labels = np.concatenate([np.ones(raw.size), np.zeros(raw.size)])
    weights = np.concatenate([p, 1 - p])
    expected = roc_auc_score(labels, scores, sample_weight=weights)
    assert estimated_roc_auc(p, raw) == pytest.approx(expected, abs=1e-9)


def test_perfectly_calibrated_scores_estimate_the_realized_metrics() -> None:
    """Labels drawn with the scores' own probability: estimates within sampling error."""
    rng = np.random.default_rng(7)
    n = 200_000
    p = rng.beta(2, 2, n)
    actual = rng.random(n) < p
    predicted = p >= 0.5
    found = estimate(ESTIMATED_METRICS, p, p, predicted).values
    assert found["accuracy"] == pytest.approx(accuracy_score(actual, predicted), abs=0.005)
    assert found["precision"] == pytest.approx(precision_score(actual, predicted), abs=0.005)
    assert found["recall"] == pytest.approx(recall_score(actual, predicted), abs=0.005)
    assert found["f1"] == pytest.approx(f1_score(actual, predicted), abs=0.005)
    assert found["roc_auc"] == pytest.approx(roc_auc_score(actual, p), abs=0.005)
    # closed forms under perfect calibration with p ~ Beta(2, 2), threshold 0.5:
    # accuracy = E[max(p, 1 - p)] = 2 * int_{1/2}^1 p * 6p(1-p) dp = 11/16
    assert found["accuracy"] == pytest.approx(11 / 16, abs=0.003)


def test_calibration_repairs_overconfident_scores() -> None:
    rng = np.random.default_rng(3)
    true_p = rng.uniform(0.05, 0.95, 40_000)
    actual = rng.random(true_p.size) < true_p
    # an overconfident model: scores pushed towards 0 and 1
    scores = 1 / (1 + np.exp(-3 * np.log(true_p / (1 - true_p))))
    calibration = fit_calibration(scores, actual)
    assert calibration.applied
    calibrated = calibration(scores)
    assert np.all(np.diff(calibrated[np.argsort(scores)]) >= 0)
    assert calibrated.min() >= 0 and calibrated.max() <= 1
    before = expected_calibration_error(actual, scores)
    after = expected_calibration_error(actual, calibrated)
    assert before > 0.1 and after < 0.02
    assert np.mean(np.abs(calibrated - true_p)) < 0.05


@pytest.mark.parametrize("seed", range(6))
def test_calibrated_scores_stay_close_to_themselves(seed: int) -> None:
    """On scores that are already probabilities, whether isotonic calibration wins on
    the held-out parts is a coin flip; either way the scores barely move."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 1, 20_000)
    actual = rng.random(p.size) < p
    calibration = fit_calibration(p, actual)
    assert np.mean(np.abs(calibration(p) - p)) < 0.02
    if not calibration.applied:
        assert "does not lower" in calibration.reason
        assert np.array_equal(calibration(p), p)


def test_a_calibrated_sample_where_isotonic_does_not_help() -> None:
    rng = np.random.default_rng(2)
    p = rng.uniform(0, 1, 20_000)
    calibration = fit_calibration(p, rng.random(p.size) < p)
    assert not calibration.applied


@pytest.mark.parametrize(
    ("scores", "actual", "applied", "reason"),
    [
        ([0.2, 0.4, 0.6], [True, True, True], False, "one class"),
        ([0.1, 0.2, 0.8, 0.9] * 10, [False, False, True, True] * 10, False, "separate"),
        ([0.1, 0.7, 0.4, 0.9], [False, True, True, False], False, "too few"),
        ([-2.0, 1.0, 3.0, 5.0], [False, True, False, True], True, "outside [0, 1]"),
    ],
)
def test_calibration_decision(
    scores: list[float], actual: list[bool], applied: bool, reason: str
) -> None:
    found = fit_calibration(scores, actual)
    assert found.applied is applied
    assert reason in found.reason
    out = found(np.array([-10.0, 0.5, 10.0]))
    if applied:
        assert out.min() >= 0 and out.max() <= 1


def test_expected_calibration_error_by_hand() -> None:
    # 4 bins of 2 rows ordered by probability; gaps 0.05, 0.35, 0.05, 0.05 -> mean 0.125
    p = np.array([0.1, 0.0, 0.3, 0.4, 0.6, 0.5, 0.9, 1.0])
    actual = np.array([False, False, False, False, True, False, True, True])
    assert expected_calibration_error(actual, p, bins=4) == pytest.approx(0.125)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot estimate"):
        estimate(("mae",), np.zeros(2), np.zeros(2), np.zeros(2, dtype=bool))
    with pytest.raises(ValueError, match="predicted labels"):
        estimate(("f1",), np.zeros(2), np.zeros(2), None)
    with pytest.raises(ValueError, match="no labelled reference rows"):
        fit_calibration([], [])
