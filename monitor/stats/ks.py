"""Two-sample Kolmogorov-Smirnov test (p-value)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest, Values


def ks_p_value(reference: Values, current: Values, feature_type: FeatureType) -> float:
    """Two-sided p-value of the KS statistic; scipy picks exact or asymptotic."""
    ref = reference.astype(np.float64, copy=False)
    cur = current.astype(np.float64, copy=False)
    return float(stats.ks_2samp(ref, cur).pvalue)


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
