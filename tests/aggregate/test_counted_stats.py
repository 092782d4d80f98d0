"""Drift tests on counts (aggregate mode) against the same tests on the raw values.

Exact: every test on category counts and the Sturges-binned numerical tests.
Bounded: ks and wasserstein on quantile bins, checked against scipy's exact
statistics on the raw values with the bound of monitor.stats.binned.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from monitor.stats import FeatureType, Sample, build_registry
from monitor.stats.aggregate import AGGREGATE_METHODS, aggregate_registry
from monitor.stats.binned import (
    ks_bound,
    ks_p_value_binned,
    ks_statistic_binned,
    wasserstein_bound,
    wasserstein_distance_binned,
    wasserstein_normed_binned,
)
from monitor.stats.binning import sturges_bins
from monitor.stats.counted import CountedSample
from tests.aggregate.counts import counted_numbers, counted_tally, histogram

REGISTRY = build_registry()
AGGREGATE = aggregate_registry(REGISTRY)


def quantile_edges(reference: np.ndarray, bins: int) -> np.ndarray:
    return np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)))


def categories(seed: int, n: int, shift: float) -> list[str]:
    rng = np.random.default_rng(seed)
    p = np.array([0.4 - shift, 0.3, 0.2, 0.1 + shift])
    return list(rng.choice(["a", "b", "c", "d"], n, p=p))


@pytest.mark.parametrize(
    "method", [m for m in AGGREGATE_METHODS[FeatureType.CATEGORICAL] if m != "TVD"]
)
@pytest.mark.parametrize("shift", [0.0, 0.05])
def test_category_tests_on_counts_equal_row_mode(method: str, shift: float) -> None:
    ref_values = categories(1, 3000, 0.0)
    cur_values = categories(2, 4000, shift)
    if method in ("z", "fisher_exact"):  # two-valued tests
        ref_values = [v if v in "ab" else "a" for v in ref_values]
        cur_values = [v if v in "ab" else "b" for v in cur_values]
    reference = Sample.categorical(ref_values)
    row = REGISTRY.get(method).score(reference, Sample.categorical(cur_values))
    counted = AGGREGATE.get(method).score(
        reference, counted_tally(cur_values, FeatureType.CATEGORICAL)
    )
    assert counted == pytest.approx(row, rel=1e-12, abs=1e-15)


def test_tvd_on_counts_agrees_within_monte_carlo_error() -> None:
    reference = Sample.categorical(categories(1, 400, 0.0))
    for shift, seed in ((0.0, 2), (0.02, 3), (0.04, 4)):
        values = categories(seed, 500, shift)
        row = REGISTRY.get("TVD").score(reference, Sample.categorical(values))
        counted = AGGREGATE.get("TVD").score(
            reference, counted_tally(values, FeatureType.CATEGORICAL)
        )
        # Two independent estimates of one p-value from 1000 draws each: the standard
        # deviation of their difference is at most sqrt(2 * 0.25 / 1000) ≈ 0.022.
        assert abs(counted - row) <= 5 * math.sqrt(2 * 0.25 / 1000)


@pytest.mark.parametrize("method", ["psi", "jensenshannon", "kl_div"])
@pytest.mark.parametrize("shift", [0.0, 0.3])
def test_sturges_binned_tests_on_counts_equal_row_mode(method: str, shift: float) -> None:
    rng = np.random.default_rng(7)
    ref = rng.normal(0, 1, 5000)
    cur = rng.normal(shift, 1.2, 8000)
    reference = Sample.numerical(ref)
    known = CountedSample(FeatureType.NUMERICAL, cur.size, extremes=(cur.min(), cur.max()))
    found = sturges_bins(reference, known)
    assert found is not None
    edges = np.unique(np.concatenate((found[0] / found[1], quantile_edges(ref, 50))))
    counted = counted_numbers(cur, edges)
    row = REGISTRY.get(method).score(reference, Sample.numerical(cur))
    assert AGGREGATE.get(method).score(reference, counted) == pytest.approx(row, rel=1e-12)


def test_counted_histogram_answers_like_numpy() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(0, 1, 1000)
    edges = np.unique(np.concatenate((np.linspace(-2, values.max(), 9), [-3.0, 0.1, 0.2])))
    wanted = np.linspace(-2, values.max(), 9)
    counts = histogram(values, edges).on(wanted)
    np.testing.assert_array_equal(counts, np.histogram(values, wanted)[0])


def test_binned_forms_are_exact_on_exact_pieces() -> None:
    rng = np.random.default_rng(5)
    ref, cur = rng.normal(0, 1, 3000).round(2), rng.normal(0.2, 1, 2000).round(2)
    reference, current = Sample.numerical(ref), Sample.numerical(cur)
    assert wasserstein_distance_binned(reference, current) == pytest.approx(
        stats.wasserstein_distance(ref, cur), rel=1e-10
    )
    assert ks_statistic_binned(reference, current) == pytest.approx(
        stats.ks_2samp(ref, cur).statistic, rel=1e-12
    )


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shift=st.floats(-1, 1),
    spread=st.floats(0.3, 3),
    bins=st.integers(10, 300),
    rounding=st.sampled_from([None, 1, 0]),
)
def test_ks_and_wasserstein_on_bins_stay_within_their_bounds(
    seed: int, shift: float, spread: float, bins: int, rounding: int | None
) -> None:
    rng = np.random.default_rng(seed)
    ref = rng.normal(0, 1, 800) * 3
    cur = rng.normal(shift, spread, 1500) * 3
    if rounding is not None:
        ref, cur = ref.round(rounding), cur.round(rounding)
    reference = Sample.numerical(ref)
    counted = counted_numbers(cur, quantile_edges(ref, bins))
    exact_d = stats.ks_2samp(ref, cur).statistic
    assert abs(ks_statistic_binned(reference, counted) - exact_d) <= ks_bound(counted) + 1e-12
    exact_w = stats.wasserstein_distance(ref, cur) / max(float(np.std(ref)), 0.001)
    difference = abs(wasserstein_normed_binned(reference, counted) - exact_w)
    assert difference <= wasserstein_bound(reference, counted) + 1e-9


def test_ks_p_value_on_bins_brackets_the_exact_one() -> None:
    rng = np.random.default_rng(11)
    ref, cur = rng.normal(0, 1, 20_000), rng.normal(0.03, 1, 30_000)
    reference = Sample.numerical(ref)
    counted = counted_numbers(cur, quantile_edges(ref, 200))
    d = ks_statistic_binned(reference, counted)
    bound = ks_bound(counted)
    en = round(20_000 * 30_000 / 50_000)
    exact = stats.ks_2samp(ref, cur).pvalue
    assert stats.kstwo.sf(d + bound, en) <= exact <= stats.kstwo.sf(max(d - bound, 0), en)
    assert ks_p_value_binned(reference, counted) == pytest.approx(stats.kstwo.sf(d, en))


def test_counted_sample_refuses_raw_value_work() -> None:
    counted = counted_numbers(np.arange(100.0), np.array([10.0, 50.0]))
    reference = Sample.numerical(np.arange(100.0))
    for name in ("anderson", "mannw", "t_test", "ed", "cramer_von_mises", "es", "empirical_mmd"):
        with pytest.raises(ValueError, match="needs the raw rows"):
            AGGREGATE.get(name).score(reference, counted)
    with pytest.raises(TypeError, match="counts only"):
        _ = counted.values


def test_numerical_columns_with_few_values_are_tested_on_their_tally() -> None:
    rng = np.random.default_rng(2)
    ref, cur = rng.poisson(3, 4000).astype(float), rng.poisson(3.4, 5000).astype(float)
    reference = Sample.numerical(ref)
    counted = counted_tally(list(cur), FeatureType.NUMERICAL)
    for name in ("wasserstein", "psi", "jensenshannon", "kl_div"):
        row = REGISTRY.get(name).score(reference, Sample.numerical(cur))
        assert row > 1e-3  # a score that a wrong count would move
        assert AGGREGATE.get(name).score(reference, counted) == pytest.approx(row, rel=1e-9)
    w = stats.wasserstein_distance(ref, cur) / np.std(ref)
    assert AGGREGATE.get("wasserstein").score(reference, counted) == pytest.approx(w, rel=1e-9)


def test_histogram_bins_need_the_edges_that_were_counted() -> None:
    counted = counted_numbers(np.arange(100.0), np.array([10.0, 50.0]))
    with pytest.raises(ValueError, match="not counted"):
        counted.bin_counts(np.array([10.0, 20.0]))
