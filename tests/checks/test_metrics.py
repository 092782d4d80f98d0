"""Performance metrics against scikit-learn on seeded random data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from monitor.checks import metrics as m

SEEDS = range(5)


def labels(
    rng: np.random.Generator, n: int, classes: list[str], noise: float
) -> tuple[np.ndarray, np.ndarray]:
    target = rng.choice(classes, n)
    flip = rng.random(n) < noise
    prediction = np.where(flip, rng.choice(classes, n), target)
    return target.astype(object), prediction.astype(object)


@pytest.mark.parametrize("seed", SEEDS)
def test_binary_scores_match_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    target, prediction = labels(rng, 500 + seed * 100, ["0", "1"], 0.3 + seed * 0.1)
    ours = m.binary_scores(target, prediction, "1")
    assert ours["precision"] == pytest.approx(
        skm.precision_score(target, prediction, pos_label="1"), rel=1e-12
    )
    assert ours["recall"] == pytest.approx(
        skm.recall_score(target, prediction, pos_label="1"), rel=1e-12
    )
    assert ours["f1"] == pytest.approx(skm.f1_score(target, prediction, pos_label="1"), rel=1e-12)
    assert m.accuracy(target, prediction) == pytest.approx(
        skm.accuracy_score(target, prediction), rel=1e-12
    )


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("average", ["weighted", "macro", "micro"])
def test_multiclass_scores_match_sklearn(seed: int, average: str) -> None:
    rng = np.random.default_rng(seed)
    target, prediction = labels(rng, 400, ["a", "b", "c", "d"], 0.5)
    prediction[:5] = "only-predicted"
    ours = m.multiclass_scores(target, prediction, average)  # type: ignore[arg-type]
    kwargs = {"average": average, "zero_division": 0}
    assert ours["precision"] == pytest.approx(
        skm.precision_score(target, prediction, **kwargs), rel=1e-12
    )
    assert ours["recall"] == pytest.approx(
        skm.recall_score(target, prediction, **kwargs), rel=1e-12
    )
    assert ours["f1"] == pytest.approx(skm.f1_score(target, prediction, **kwargs), rel=1e-12)


def test_binary_scores_without_predicted_positives_are_zero() -> None:
    target = np.array(["1", "0", "1"], dtype=object)
    prediction = np.array(["0", "0", "0"], dtype=object)
    assert m.binary_scores(target, prediction, "1") == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


@pytest.mark.parametrize("seed", SEEDS)
def test_roc_auc_matches_sklearn_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    target = rng.choice(["0", "1"], n).astype(object)
    score = np.round(rng.random(n) * 0.5 + (target == "1") * 0.3, 1)
    expected = skm.roc_auc_score(target == "1", score)
    assert m.roc_auc(target, score, "1") == pytest.approx(expected, rel=1e-12)


def test_roc_auc_undefined_with_one_class() -> None:
    assert math.isnan(m.roc_auc(np.array(["1", "1"], dtype=object), np.array([0.2, 0.9]), "1"))


@pytest.mark.parametrize("seed", SEEDS)
def test_regression_metrics_match_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    target = rng.normal(10, 5, 400)
    target[:3] = 0.0
    prediction = target + rng.normal(0, 2, 400)
    assert m.mae(target, prediction) == pytest.approx(
        skm.mean_absolute_error(target, prediction), rel=1e-12
    )
    assert m.rmse(target, prediction) == pytest.approx(
        math.sqrt(skm.mean_squared_error(target, prediction)), rel=1e-12
    )
    assert m.mape(target, prediction) == pytest.approx(
        skm.mean_absolute_percentage_error(target, prediction), rel=1e-12
    )
    assert m.r2(target, prediction) == pytest.approx(skm.r2_score(target, prediction), rel=1e-12)


def test_r2_of_constant_target() -> None:
    target = np.full(5, 3.0)
    assert m.r2(target, target.copy()) == 1.0
    assert m.r2(target, target + 1) == 0.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["x", "y", "z"]), min_size=1, max_size=60), st.data())
def test_scores_are_ratios(target_list: list[str], data: st.DataObject) -> None:
    prediction_list = data.draw(
        st.lists(
            st.sampled_from(["x", "y", "z"]), min_size=len(target_list), max_size=len(target_list)
        )
    )
    target = np.array(target_list, dtype=object)
    prediction = np.array(prediction_list, dtype=object)
    for average in ("weighted", "macro", "micro"):
        scores = m.multiclass_scores(target, prediction, average)  # type: ignore[arg-type]
        assert all(0.0 <= v <= 1.0 for v in scores.values())
    perfect = m.multiclass_scores(target, target, "macro")  # type: ignore[arg-type]
    assert perfect == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
