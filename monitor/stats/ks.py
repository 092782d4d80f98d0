"""Two-sample Kolmogorov-Smirnov test (two-sided p-value)."""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from monitor.stats.base import Comparison, FeatureType, Floats, ScoreKind, StatTest
from monitor.stats.cdf import merge_sorted
from monitor.stats.sample import Sample

EXACT_MAX_SIZE = 10_000
"""scipy's ``ks_2samp(method="auto")`` uses the exact distribution when neither
sample is larger than this, and the asymptotic one otherwise."""


def ks_p_value(reference: Sample, current: Sample) -> float:
    """scipy's ``ks_2samp(reference, current).pvalue``.

    Small windows go through scipy itself (exact distribution). Larger ones
    take the statistic from the presorted samples and the p-value from the
    same ``kstwo.sf`` call scipy's asymptotic branch makes.
    """
    u, v = reference.sorted, current.sorted
    if max(u.size, v.size) <= EXACT_MAX_SIZE:
        with warnings.catch_warnings():
            # scipy falls back to the asymptotic distribution where the exact one
            # does not converge, and says so; the p-value is the one it returns.
            warnings.simplefilter("ignore", RuntimeWarning)
            return float(stats.ks_2samp(u, v).pvalue)
    m, n = sorted([float(u.size), float(v.size)], reverse=True)
    en = m * n / (m + n)
    return float(np.clip(stats.kstwo.sf(ks_statistic(u, v), np.round(en)), 0, 1))


def ks_statistic(u_sorted: Floats, v_sorted: Floats) -> float:
    """Largest distance between the two empirical CDFs (two-sided)."""
    merged = merge_sorted(u_sorted, v_sorted)
    ends = merged.ends
    differences = merged.u_cdf()[ends] - merged.v_cdf()[ends]
    below = float(np.clip(-differences.min(), 0, 1))
    above = float(differences.max())
    return below if below > above else above


KS = StatTest(
    name="ks",
    display_name="K-S p_value",
    feature_types=frozenset({FeatureType.NUMERICAL}),
    score_kind=ScoreKind.P_VALUE,
    default_threshold=0.05,
    comparison=Comparison.LE,
    func=ks_p_value,
    evidently_name="ks",
)
