"""Multiple-testing correction: Benjamini-Hochberg against scipy, Bonferroni by its
definition, and the laws both obey."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from monitor.checks.correction import adjust, benjamini_hochberg, bonferroni
from monitor.config.models import Correction

p_values = st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=60)
alphas = st.sampled_from([0.001, 0.01, 0.05, 0.1, 0.2])


def _bh_rejections(p: list[float], alpha: float) -> set[int]:
    """The textbook step-up procedure: reject the k smallest, k the largest rank with
    p_(k) <= k * alpha / m."""
    m = len(p)
    ranked = sorted(range(m), key=lambda i: p[i])
    k = 0
    for rank, i in enumerate(ranked, start=1):
        if p[i] <= rank * alpha / m:
            k = rank
    return set(ranked[:k])


@pytest.mark.parametrize("m", [1, 2, 7, 50, 1000])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_benjamini_hochberg_equals_scipy(m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    # a mix of true nulls (uniform) and signals (tiny p-values), with ties
    p = np.concatenate([rng.uniform(size=m - m // 3), rng.uniform(0, 1e-3, size=m // 3)])
    p[: m // 4] = np.round(p[: m // 4], 2)
    rng.shuffle(p)
    np.testing.assert_allclose(
        benjamini_hochberg(p), stats.false_discovery_control(p, method="bh"), rtol=1e-12
    )


@given(p_values)
def test_benjamini_hochberg_equals_scipy_on_any_family(p: list[float]) -> None:
    array = np.array(p)
    np.testing.assert_allclose(
        benjamini_hochberg(array),
        stats.false_discovery_control(array, method="bh"),
        rtol=1e-12,
        atol=0,
    )


@given(p_values, alphas)
def test_benjamini_hochberg_verdicts_are_the_step_up_procedure(
    p: list[float], alpha: float
) -> None:
    adjusted = benjamini_hochberg(np.array(p))
    assert {i for i, a in enumerate(adjusted) if a <= alpha} == _bh_rejections(p, alpha)


@given(p_values, alphas)
def test_bonferroni_verdicts_are_p_below_alpha_over_m(p: list[float], alpha: float) -> None:
    adjusted = bonferroni(np.array(p))
    m = len(p)
    for raw, adj in zip(p, adjusted, strict=True):
        assert adj == min(1.0, raw * m)
        assert (adj < alpha) == (raw * m < alpha)


def test_bonferroni_by_hand() -> None:
    p = np.array([0.01, 0.04, 0.3, 0.0001])
    np.testing.assert_array_equal(bonferroni(p), [0.04, 0.16, 1.0, 0.0004])


def test_benjamini_hochberg_by_hand() -> None:
    # sorted 0.001, 0.008, 0.039, 0.041, 0.27 ; m = 5
    # p*m/rank: 0.005, 0.02, 0.065, 0.05125, 0.27 -> step-up minimum from the top
    p = np.array([0.041, 0.001, 0.27, 0.039, 0.008])
    np.testing.assert_allclose(
        benjamini_hochberg(p), [0.05125, 0.005, 0.27, 0.05125, 0.02], rtol=1e-12
    )


@given(p_values)
def test_laws_of_both_corrections(p: list[float]) -> None:
    raw = np.array(p)
    bh, bonf = benjamini_hochberg(raw), bonferroni(raw)
    assert np.all(bh >= raw) and np.all(bonf >= raw)
    assert np.all(bh <= 1.0) and np.all(bonf <= 1.0)
    assert np.all(bonf >= bh - 1e-15)
    # order is kept: a smaller raw p-value never gets a larger adjusted one
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(bh[order]) >= -1e-15)


def test_nan_is_left_out_of_the_family() -> None:
    p = np.array([0.01, np.nan, 0.02])
    out = adjust(p, Correction.BONFERRONI)
    assert np.isnan(out[1])
    np.testing.assert_array_equal(out[[0, 2]], [0.02, 0.04])  # m = 2, not 3
    out = adjust(p, Correction.FDR_BH)
    np.testing.assert_allclose(out[[0, 2]], [0.02, 0.02])


def test_none_returns_the_raw_values_and_empty_families_work() -> None:
    p = np.array([0.3, 0.01])
    np.testing.assert_array_equal(adjust(p, Correction.NONE), p)
    assert adjust(np.array([]), Correction.FDR_BH).size == 0
    assert adjust(np.array([np.nan]), Correction.BONFERRONI).size == 1
