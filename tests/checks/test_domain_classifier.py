"""Domain classifier on seeded windows with and without drift."""

from __future__ import annotations

import numpy as np
import pytest

from monitor.checks.domain_classifier import MAX_CODES, boosting_matrix, classifier_auc
from monitor.checks.multivariate import classifier_drift
from monitor.checks.table import FeatureTable
from monitor.config.checks import MultivariateConfig
from monitor.result import ColumnStatus
from tests.checks.seeded import correlated

MODELS = ["gradient_boosting", "logistic"]


def config(model: str, **options: object) -> MultivariateConfig:
    return MultivariateConfig(enabled=True, classifier=model, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_distribution_is_not_drift(model: str, seed: int) -> None:
    result = classifier_drift(correlated(seed, 1200), correlated(seed + 50, 600), config(model))
    assert result.status is ColumnStatus.OK
    assert result.score is not None and abs(result.score - 0.5) < 0.05
    assert result.detected is False
    assert (result.upper_threshold, result.lower_threshold) == (0.55, None)


@pytest.mark.parametrize("model", MODELS)
def test_a_shifted_column_is_drift(model: str) -> None:
    result = classifier_drift(correlated(3, 1200), correlated(4, 600, shift=0.8), config(model))
    assert result.score is not None and result.score > 0.6
    assert result.detected is True
    assert (result.rows_reference, result.rows_current, result.columns) == (1200, 600, 5)


def test_only_the_boosted_model_sees_a_reversed_correlation() -> None:
    reference, flipped = correlated(5, 1200), correlated(6, 600, flip=True)
    boosted = classifier_drift(reference, flipped, config("gradient_boosting"))
    linear = classifier_drift(reference, flipped, config("logistic"))
    assert boosted.detected is True and boosted.score is not None and boosted.score > 0.65
    # the windows have the same means and shares: a linear boundary cannot part them
    assert linear.detected is False


@pytest.mark.parametrize("model", MODELS)
def test_new_categories_are_drift(model: str) -> None:
    reference, current = correlated(7, 1200), correlated(8, 600)
    renamed = current.categorical["cat"].copy()
    renamed[renamed == "x"] = "brand-new"
    current = FeatureTable(current.numerical, {"cat": renamed})
    result = classifier_drift(reference, current, config(model))
    assert result.detected is True and result.score is not None and result.score > 0.6


def test_same_seed_same_score_and_seed_is_used() -> None:
    reference, current = correlated(9, 800), correlated(10, 400, shift=0.2)
    first = classifier_auc(reference, current, model="gradient_boosting", folds=5, seed=3)
    again = classifier_auc(reference, current, model="gradient_boosting", folds=5, seed=3)
    other = classifier_auc(reference, current, model="gradient_boosting", folds=5, seed=4)
    assert first == again
    assert first != other


def test_boosting_codes_categories_by_reference_frequency() -> None:
    reference = FeatureTable(
        {"n": np.array([1.0, np.nan, 3.0, 4.0])},
        {"c": np.array(["b", "a", "b", None], dtype=object)},
    )
    current = FeatureTable({"n": np.array([5.0, 6.0])}, {"c": np.array(["new", "a"], dtype=object)})
    matrix, categorical = boosting_matrix(reference, current)
    assert categorical.tolist() == [False, True]
    np.testing.assert_array_equal(matrix[:, 0], [1.0, np.nan, 3.0, 4.0, 5.0, 6.0])
    np.testing.assert_array_equal(matrix[:, 1], [0, 1, 0, np.nan, MAX_CODES - 1, 1])


def test_many_categories_fit_the_boosted_model() -> None:
    rng = np.random.default_rng(11)
    labels = np.array([f"id{i}" for i in range(2000)], dtype=object)
    reference = FeatureTable({"x": rng.normal(size=1500)}, {"id": rng.choice(labels, 1500)})
    current = FeatureTable({"x": rng.normal(size=500)}, {"id": rng.choice(labels, 500)})
    result = classifier_drift(reference, current, config("gradient_boosting"))
    assert result.status is ColumnStatus.OK and result.detected is False


def test_too_few_rows_for_the_folds_is_insufficient_data() -> None:
    result = classifier_drift(correlated(0, 100), correlated(1, 4), config("logistic"))
    assert result.status is ColumnStatus.INSUFFICIENT_DATA
    assert result.detected is None and result.score is None
    assert result.message == (
        "each window needs at least cv_folds = 5 rows; reference has 100, current 4"
    )
    empty = FeatureTable({}, {})
    assert classifier_drift(empty, empty, config("logistic")).message == (
        "needs at least 1 feature column"
    )


def test_unknown_model_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown classifier 'forest'; expected one of"):
        classifier_auc(correlated(0, 50), correlated(1, 50), model="forest", folds=2, seed=0)


@pytest.mark.parametrize("model", MODELS)
def test_extreme_values_give_a_defined_result(model: str) -> None:
    reference, current = correlated(12, 600), correlated(13, 300)
    a = current.numerical["a"].copy()
    a[:2] = [1e308, -1.7e308]
    current = FeatureTable({**current.numerical, "a": a}, current.categorical)
    result = classifier_drift(reference, current, config(model))
    assert result.status is ColumnStatus.OK
    assert result.score is not None and 0.0 <= result.score <= 1.0
    assert result.detected is (result.score > 0.55)
