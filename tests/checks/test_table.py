"""Row-aligned feature tables: sampling and overflow-safe moments."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from monitor.checks.table import (
    MISSING_CATEGORY,
    FeatureTable,
    category_counts,
    mean_and_std,
    most_frequent,
    sample_rows,
)


def test_sample_rows_is_a_sorted_seeded_uniform_sample() -> None:
    assert sample_rows(100, 100, 0) is None
    picked = sample_rows(100_000, 1000, 7)
    assert picked is not None and picked.size == 1000
    assert np.all(np.diff(picked) > 0)  # sorted, no repeats
    assert picked.min() >= 0 and picked.max() < 100_000
    np.testing.assert_array_equal(picked, sample_rows(100_000, 1000, 7))
    other = sample_rows(100_000, 1000, 8)
    assert other is not None and not np.array_equal(picked, other)
    # uniform: each tenth of the rows holds about a tenth of the sample
    counts = np.bincount(picked // 10_000, minlength=10)
    assert counts.min() > 60 and counts.max() < 140


def test_take_and_lengths() -> None:
    table = FeatureTable({"x": np.arange(5.0)}, {"c": np.array(list("abcde"), dtype=object)})
    taken = table.take(np.array([1, 3]))
    assert taken.rows == 2 and taken.width == 2
    assert taken.numerical["x"].tolist() == [1.0, 3.0]
    assert taken.categorical["c"].tolist() == ["b", "d"]
    with pytest.raises(ValueError, match=r"feature columns differ in length: \[2, 3\]"):
        FeatureTable({"x": np.arange(3.0)}, {"c": np.array(["a", "b"], dtype=object)})
    assert FeatureTable({}, {}).rows == 0


def test_mean_and_std_match_numpy_and_survive_huge_values() -> None:
    values = np.random.default_rng(0).normal(3, 2, size=1000)
    values[::10] = np.nan
    mean, std = mean_and_std(values)
    present = values[~np.isnan(values)]
    assert mean == pytest.approx(present.mean(), rel=1e-12)
    assert std == pytest.approx(present.std(), rel=1e-12)
    huge = np.array([1e308, 1.7e308, 1.5e308])
    exact = sum(Fraction(v) for v in huge.tolist()) / 3
    variance = sum((Fraction(v) - exact) ** 2 for v in huge.tolist()) / 3
    exact_std = float(variance / 10**600) ** 0.5 * 1e300
    mean, std = mean_and_std(huge)
    assert mean == pytest.approx(float(exact), rel=1e-12)
    assert std == pytest.approx(exact_std, rel=1e-9)
    assert mean_and_std(np.array([np.nan])) == (0.0, 0.0)


def test_most_frequent_breaks_ties_by_the_smallest_value() -> None:
    values = np.array(["b", "a", None, "b", "a", "c"], dtype=object)
    assert most_frequent(category_counts(values)) == "a"
    assert most_frequent(category_counts(np.array([None, None], dtype=object))) == (
        MISSING_CATEGORY
    )
