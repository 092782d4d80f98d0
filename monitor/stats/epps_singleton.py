"""Epps-Singleton test on the empirical characteristic functions."""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import stats

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.sample import Sample
from monitor.stats.scaling import safe_scale


def epps_singleton_p_value(reference: Sample, current: Sample) -> float:
    """scipy's ``epps_singleton_2samp(reference, current)`` p-value.

    The test scales by the interquartile range of both windows together. Both
    windows holding one and the same value give p = 1. Otherwise a zero range
    (more than half of all values equal) leaves the test undefined: NaN, no
    verdict (Evidently raises). So does a failure of scipy's linear algebra on
    extreme values (values beyond ~1e300 next to a tiny range). A range that
    overflows is avoided by rescaling by a power of two (the test is scale-free).
    """
    u, v = reference.sorted, current.sorted
    if u[0] == u[-1] == v[0] == v[-1]:
        return 1.0
    ref, cur = reference.floats, current.floats
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        spread = stats.iqr(np.concatenate((ref, cur)))
        if spread == 0:
            return math.nan
        if not np.isfinite(spread):  # the range itself overflows: rescale (scale-free)
            scale = safe_scale(reference, current)
            ref, cur = ref * scale, cur * scale
        try:
            return float(stats.epps_singleton_2samp(ref, cur).pvalue)
        except np.linalg.LinAlgError:
            return math.nan


EPPS_SINGLETON = StatTest(
    name="es",
    display_name="Epps-Singleton",
    feature_types=frozenset({FeatureType.NUMERICAL}),
    score_kind=ScoreKind.P_VALUE,
    default_threshold=0.05,
    comparison=Comparison.LT,
    func=epps_singleton_p_value,
    evidently_name="es",
    min_size=5,
    note="Needs five values per window (scipy returns NaN below). Undefined (no verdict) "
    "when the pooled interquartile range is zero, where Evidently raises, or when scipy's "
    "linear algebra fails on extreme values; both windows holding one and the same value "
    "give p = 1.",
)
