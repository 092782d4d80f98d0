"""Epps-Singleton test on the empirical characteristic functions."""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import stats

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.overflow import overflow_scale
from monitor.stats.sample import Sample


def epps_singleton_p_value(reference: Sample, current: Sample) -> float:
    """scipy's ``epps_singleton_2samp(reference, current)`` p-value.

    The test scales by the interquartile range of both windows together. Both
    windows holding one and the same value give p = 1. Otherwise a zero range
    (more than half of all values equal) leaves the test undefined: NaN, no
    verdict (Evidently raises).
    """
    u, v = reference.sorted, current.sorted
    if u[0] == u[-1] == v[0] == v[-1]:
        return 1.0
    scale = overflow_scale(reference, current)
    ref, cur = reference.floats, current.floats
    if scale != 1.0:
        ref, cur = ref * scale, cur * scale
    if stats.iqr(np.concatenate((ref, cur))) == 0:
        return math.nan
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(stats.epps_singleton_2samp(ref, cur).pvalue)


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
    "when the pooled interquartile range is zero, where Evidently raises; both windows "
    "holding one and the same value give p = 1.",
)
