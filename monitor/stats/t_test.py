"""Two-sample Student's t-test (equal variances)."""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.sample import Sample
from monitor.stats.scaling import safe_scale


def t_test_p_value(reference: Sample, current: Sample) -> float:
    """scipy's ``ttest_ind(reference, current)`` two-sided p-value.

    Both windows constant at the same value give p = 1 (scipy: NaN, from 0/0);
    constant at different values, p = 0. Values beyond ~1e120 (or all below
    ~1e-120) are rescaled by a power of two first (the statistic is scale-free).
    """
    scale = safe_scale(reference, current)
    ref, cur = reference.floats, current.floats
    if scale != 1.0:
        ref, cur = ref * scale, cur * scale
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        p_value = float(stats.ttest_ind(ref, cur).pvalue)
    if np.isnan(p_value):
        u, v = reference.sorted, current.sorted
        if u[0] == u[-1] and v[0] == v[-1]:
            return 1.0 if u[0] == v[0] else 0.0
    return p_value


T_TEST = StatTest(
    name="t_test",
    display_name="t_test",
    feature_types=frozenset({FeatureType.NUMERICAL}),
    score_kind=ScoreKind.P_VALUE,
    default_threshold=0.05,
    comparison=Comparison.LT,
    func=t_test_p_value,
    evidently_name="t_test",
    min_size=2,
    note="Needs two values per window. Both windows constant at one value give p = 1 "
    "where Evidently returns NaN; values beyond ~1e120 (or all below ~1e-120) are "
    "rescaled so the statistic stays finite (Evidently: p = 0 or 1 from overflow).",
)
