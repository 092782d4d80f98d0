"""Degenerate windows give a defined outcome, never an exception or a NaN verdict.

Where Evidently raises or returns NaN, driftwarden's behaviour is the one each
test's docstring and ``note`` state; these tests pin it, and show Evidently's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from scipy import stats

from monitor.stats import (
    Comparison,
    FeatureType,
    OutcomeStatus,
    Sample,
    ScoreKind,
    StatTest,
    build_registry,
)
from monitor.stats.base import LARGEST_SCORE
from tests.stats.evidently_oracle import evidently_test

NUM, CAT = FeatureType.NUMERICAL, FeatureType.CATEGORICAL
REGISTRY = build_registry()
_rng = np.random.default_rng(42)
_normal_a, _normal_b = _rng.normal(size=50), _rng.normal(size=50)

NUMERICAL_EDGES: dict[str, tuple[list[float], list[float]]] = {
    "constant_same": ([1.0] * 50, [1.0] * 50),
    "constant_different": ([1.0] * 50, [2.0] * 50),
    "one_row_each": ([1.0], [2.0]),
    "one_row_current": (list(_normal_a), [0.3]),
    "extremes": ([*_normal_a, 1e308, -1e308], [*_normal_b, 1e308]),
    "extremes_only": ([1e308, -1e308] * 10, [1e308] * 20),
    "opposite_extremes": ([1e308] * 30, [-1e308] * 30),
    "tiny": (list(_normal_a * 1e-300), list(_normal_b * 1e-300)),
    "spike": ([0.0] * 80 + list(_normal_a[:20]), [0.0] * 80 + list(_normal_b[:20])),
    "ties": (
        [float(v) for v in _rng.integers(0, 3, 100)],
        [float(v) for v in _rng.integers(0, 3, 90)],
    ),
}
CATEGORICAL_EDGES: dict[str, tuple[list[str], list[str]]] = {
    "single_same": (["a"] * 50, ["a"] * 50),
    "single_different": (["a"] * 50, ["b"] * 50),
    "appearing": (["a", "b", "c"] * 20, ["a", "b", "c", "d"] * 15),
    "vanishing": (["a", "b", "c", "d"] * 15, ["a", "b", "c"] * 15),
    "one_row_each": (["a"], ["b"]),
    "binary_unequal_sizes": (["x", "y", "y"] * 20, ["x", "y"] * 20),
}


def _sample(values: Sequence[Any], kind: FeatureType) -> Sample:
    return Sample.numerical(values) if kind is NUM else Sample.categorical(values)


def _matrix() -> list[Any]:
    out = []
    for test in REGISTRY:
        for kind in sorted(test.feature_types):
            edges = NUMERICAL_EDGES if kind is NUM else CATEGORICAL_EDGES
            for case in edges:
                out.append(
                    pytest.param(test.name, kind, case, id=f"{test.name}-{kind.value[:3]}-{case}")
                )
    return out


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(("name", "kind", "case"), _matrix())
def test_edge_case_outcome_is_defined(name: str, kind: FeatureType, case: str) -> None:
    """No exception, no warning, and a finite score in range whenever there is a verdict."""
    test = REGISTRY.get(name)
    reference, current = (NUMERICAL_EDGES if kind is NUM else CATEGORICAL_EDGES)[case]
    outcome = test.evaluate(
        _sample(reference, kind), _sample(current, kind), test.default_threshold
    )
    too_small = min(len(reference), len(current)) < test.min_size
    assert (outcome.status is OutcomeStatus.TOO_FEW_VALUES) == too_small
    if outcome.status is OutcomeStatus.OK:
        assert outcome.score is not None and math.isfinite(outcome.score)
        assert outcome.drifted is not None
        if test.score_kind is ScoreKind.P_VALUE:
            assert 0.0 <= outcome.score <= 1.0
        else:
            assert outcome.score >= 0.0
    else:
        assert outcome.score is None and outcome.drifted is None


UNDEFINED = {("fisher_exact", "appearing"), ("fisher_exact", "vanishing"), ("es", "spike")}
"""The only edge cases without a score (each test's note says why)."""


@pytest.mark.parametrize(("name", "kind", "case"), _matrix())
def test_only_documented_cases_are_undefined(name: str, kind: FeatureType, case: str) -> None:
    test = REGISTRY.get(name)
    reference, current = (NUMERICAL_EDGES if kind is NUM else CATEGORICAL_EDGES)[case]
    outcome = test.evaluate(
        _sample(reference, kind), _sample(current, kind), test.default_threshold
    )
    assert (outcome.status is OutcomeStatus.UNDEFINED) == ((name, case) in UNDEFINED)


@pytest.mark.parametrize("name", REGISTRY.names())
def test_identical_constant_windows_never_drift(name: str) -> None:
    test = REGISTRY.get(name)
    kind = NUM if NUM in test.feature_types else CAT
    reference, current = (
        NUMERICAL_EDGES["constant_same"] if kind is NUM else CATEGORICAL_EDGES["single_same"]
    )
    outcome = test.evaluate(
        _sample(reference, kind), _sample(current, kind), test.default_threshold
    )
    assert outcome.status is OutcomeStatus.OK and outcome.drifted is False
    expected = (
        0.0 if test.score_kind is ScoreKind.DISTANCE else (0.25 if name == "anderson" else 1.0)
    )
    assert outcome.score == expected


@pytest.mark.parametrize("name", REGISTRY.names())
def test_windows_of_different_constants_always_drift(name: str) -> None:
    test = REGISTRY.get(name)
    kind = NUM if NUM in test.feature_types else CAT
    reference, current = (
        NUMERICAL_EDGES["constant_different"]
        if kind is NUM
        else CATEGORICAL_EDGES["single_different"]
    )
    outcome = test.evaluate(
        _sample(reference, kind), _sample(current, kind), test.default_threshold
    )
    assert outcome.status is OutcomeStatus.OK and outcome.drifted is True


@pytest.mark.parametrize("name", REGISTRY.names())
def test_empty_windows_have_too_few_values_and_score_nan(name: str) -> None:
    """The checks layer marks an all-missing column insufficient before testing;
    the test itself is safe too."""
    test = REGISTRY.get(name)
    kind = NUM if NUM in test.feature_types else CAT
    empty = _sample([], kind)
    some = _sample([1.0, 2.0, 3.0, 4.0, 5.0] if kind is NUM else ["a", "b"], kind)
    for reference, current in ((empty, some), (some, empty), (empty, empty)):
        assert math.isnan(test.score(reference, current))
        outcome = test.evaluate(reference, current, test.default_threshold)
        assert outcome.status is OutcomeStatus.TOO_FEW_VALUES and outcome.drifted is None


def test_a_nan_score_is_never_a_verdict() -> None:
    for comparison in Comparison:
        test = StatTest(
            name="nan",
            display_name="nan",
            feature_types=frozenset({NUM}),
            score_kind=ScoreKind.DISTANCE,
            default_threshold=0.1,
            comparison=comparison,
            func=lambda reference, current: math.nan,
            evidently_name=None,
        )
        outcome = test.evaluate(Sample.numerical([1.0]), Sample.numerical([2.0]), 0.1)
        assert outcome.status is OutcomeStatus.UNDEFINED
        assert outcome.drifted is None and outcome.score is None


def test_an_infinite_distance_is_reported_as_the_largest_float() -> None:
    test = REGISTRY.get("wasserstein")
    reference, current = NUMERICAL_EDGES["opposite_extremes"]
    outcome = test.evaluate(Sample.numerical(reference), Sample.numerical(current), 0.1)
    assert outcome.score == LARGEST_SCORE and outcome.drifted is True


# -- where Evidently raises or returns NaN ---------------------------------------


def test_chisquare_and_g_test_on_one_shared_category_give_p_one() -> None:
    reference, current = CATEGORICAL_EDGES["single_same"]
    for name in ("chisquare", "g_test"):
        assert math.isnan(evidently_test(name, reference, current, CAT)[0])
        assert (
            REGISTRY.get(name).score(Sample.categorical(reference), Sample.categorical(current))
            == 1.0
        )


def test_new_category_in_current_window_is_certain_drift() -> None:
    reference, current = CATEGORICAL_EDGES["appearing"]
    ref, cur = Sample.categorical(reference), Sample.categorical(current)
    assert REGISTRY.get("chisquare").score(ref, cur) == 0.0
    assert REGISTRY.get("g_test").score(ref, cur) == 0.0


def test_g_test_on_unequal_windows_scales_expected_counts() -> None:
    """Evidently raises (scipy refuses counts with different totals)."""
    reference, current = CATEGORICAL_EDGES["vanishing"]
    with pytest.raises(ValueError):
        evidently_test("g_test", reference, current, CAT)
    ref_counts = np.array([reference.count(k) for k in "abcd"], dtype=float)
    cur_counts = np.array([current.count(k) for k in "abcd"], dtype=float)
    expected = stats.power_divergence(
        cur_counts, ref_counts * len(current) / len(reference), lambda_="log-likelihood"
    ).pvalue
    score = REGISTRY.get("g_test").score(Sample.categorical(reference), Sample.categorical(current))
    assert math.isclose(score, expected, rel_tol=1e-12)


def test_fisher_exact_on_unequal_windows_uses_the_full_table() -> None:
    reference, current = CATEGORICAL_EDGES["binary_unequal_sizes"]
    with pytest.raises(ValueError, match="equal length"):
        evidently_test("fisher_exact", reference, current, CAT)
    table = [[current.count("x"), current.count("y")], [reference.count("x"), reference.count("y")]]
    expected = stats.fisher_exact(table).pvalue
    score = REGISTRY.get("fisher_exact").score(
        Sample.categorical(reference), Sample.categorical(current)
    )
    assert math.isclose(score, expected, rel_tol=1e-12)


def test_fisher_exact_on_three_categories_is_undefined() -> None:
    reference, current = CATEGORICAL_EDGES["appearing"]
    with pytest.raises(ValueError, match="binary"):
        evidently_test("fisher_exact", reference, current, CAT)
    outcome = REGISTRY.get("fisher_exact").evaluate(
        Sample.categorical(reference), Sample.categorical(current), 0.1
    )
    assert outcome.status is OutcomeStatus.UNDEFINED


@pytest.mark.parametrize(
    ("name", "evidently_raises"),
    [
        ("anderson", True),
        ("es", True),
        ("t_test", False),
        ("chisquare", False),
    ],
)
def test_identical_constants_where_evidently_fails(name: str, evidently_raises: bool) -> None:
    reference, current = NUMERICAL_EDGES["constant_same"]
    kind = NUM
    if name == "chisquare":
        reference, current, kind = CATEGORICAL_EDGES["single_same"] + (CAT,)  # type: ignore[assignment]
    if evidently_raises:
        with pytest.raises(ValueError):
            evidently_test(name, reference, current, kind)
    else:
        assert math.isnan(evidently_test(name, reference, current, kind)[0])
    outcome = REGISTRY.get(name).evaluate(_sample(reference, kind), _sample(current, kind), 0.05)
    assert outcome.drifted is False


@pytest.mark.parametrize("name", ["anderson", "cramer_von_mises", "t_test", "es", "empirical_mmd"])
def test_one_row_windows_have_too_few_values_where_evidently_fails(name: str) -> None:
    reference, current = NUMERICAL_EDGES["one_row_each"]
    score, _ = _evidently_or_failure(name, reference, current)
    assert score is None or math.isnan(score)
    outcome = REGISTRY.get(name).evaluate(
        Sample.numerical(reference), Sample.numerical(current), 0.05
    )
    assert outcome.status is OutcomeStatus.TOO_FEW_VALUES


def _evidently_or_failure(
    name: str, reference: list[float], current: list[float]
) -> tuple[float | None, bool]:
    try:
        return evidently_test(name, reference, current, NUM)
    except (ValueError, IndexError, ZeroDivisionError):
        return None, False


def test_epps_singleton_with_zero_interquartile_range_is_undefined() -> None:
    reference, current = NUMERICAL_EDGES["spike"]
    with pytest.raises(ValueError, match="IQR"):
        evidently_test("es", reference, current, NUM)
    outcome = REGISTRY.get("es").evaluate(
        Sample.numerical(reference), Sample.numerical(current), 0.05
    )
    assert outcome.status is OutcomeStatus.UNDEFINED


@pytest.mark.parametrize("name", ["psi", "kl_div", "jensenshannon", "hellinger"])
def test_binned_tests_on_extremes_where_evidently_raises(name: str) -> None:
    reference, current = NUMERICAL_EDGES["extremes"]
    with pytest.raises(ValueError):
        evidently_test(name, reference, current, NUM)
    outcome = REGISTRY.get(name).evaluate(
        Sample.numerical(reference), Sample.numerical(current), 0.1
    )
    assert outcome.status is OutcomeStatus.OK
