"""Prepared samples: derived arrays computed once, reused by later runs."""

from __future__ import annotations

import numpy as np
import pytest

from monitor.stats import FeatureType, Sample, build_registry
from monitor.stats.cdf import merge_sorted

REGISTRY = build_registry()


def test_numerical_sample_prepares_sorted_values_spread_and_counts() -> None:
    values = np.array([3.0, 1.0, 2.0, 1.0])
    sample = Sample.numerical(values).prepare()
    np.testing.assert_array_equal(sample.sorted, [1.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(sample.distinct, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(sample.counts, [2, 1, 1])
    assert sample.std == pytest.approx(np.std(values), rel=1e-15)
    assert (sample.minimum, sample.maximum, sample.magnitude) == (1.0, 3.0, 3.0)
    np.testing.assert_array_equal(sample.values, values)  # original order kept


def test_categorical_sample_counts_in_order_of_first_appearance() -> None:
    sample = Sample.categorical(["b", "a", "b", "c"]).prepare()
    assert sample.distinct.tolist() == ["b", "a", "c"]
    assert sample.counts.tolist() == [2, 1, 1]
    with pytest.raises(TypeError):
        _ = sample.sorted


def test_reference_work_is_done_once_across_runs() -> None:
    """A reference sample keeps its sorted values: later tests reuse the same array."""
    rng = np.random.default_rng(3)
    reference = Sample.numerical(rng.normal(size=5000)).prepare()
    sorted_once = reference.sorted
    for name in ("ks", "wasserstein", "ed", "psi", "jensenshannon", "cramer_von_mises"):
        current = Sample.numerical(rng.normal(size=3000))
        REGISTRY.get(name).score(reference, current)
        assert reference.sorted is sorted_once


def test_binned_tests_on_unsorted_current_values_count_like_sorted_ones() -> None:
    """Counts come from searchsorted on sorted values or from np.histogram: the same."""
    rng = np.random.default_rng(4)
    ref, cur = rng.normal(size=2000), rng.normal(0.2, 1, size=1500)
    for name in ("psi", "kl_div", "jensenshannon", "hellinger"):
        fresh = REGISTRY.get(name).score(Sample.numerical(ref), Sample.numerical(cur))
        current = Sample.numerical(cur)
        _ = current.sorted
        assert REGISTRY.get(name).score(Sample.numerical(ref).prepare(), current) == fresh


def test_merge_keeps_counts_at_the_end_of_each_run_of_ties() -> None:
    merged = merge_sorted(np.array([1.0, 2.0, 2.0]), np.array([2.0, 3.0]))
    np.testing.assert_array_equal(merged.values, [1.0, 2.0, 2.0, 2.0, 3.0])
    ends = merged.ends
    np.testing.assert_array_equal(ends, [True, False, False, True, True])
    np.testing.assert_array_equal(merged.u_below[ends], [1, 3, 3])
    np.testing.assert_array_equal(merged.v_below[ends], [0, 1, 2])


def test_feature_type_is_kept() -> None:
    assert Sample.numerical([1.0]).feature_type is FeatureType.NUMERICAL
    assert Sample.categorical(["a"]).feature_type is FeatureType.CATEGORICAL
