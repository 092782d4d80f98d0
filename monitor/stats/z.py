"""Two-proportion Z-test for a column with (at most) two distinct values."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest, Values


def z_p_value(reference: Values, current: Values, feature_type: FeatureType) -> float:
    """Two-sided p-value for the difference in the share of the first (sorted) value.

    Both windows holding the same single value gives p = 1.
    """
    ref_unique = np.unique(reference)
    cur_unique = np.unique(current)
    if ref_unique.size == 1 and cur_unique.size == 1 and ref_unique[0] == cur_unique[0]:
        return 1.0
    first = np.unique(np.concatenate([ref_unique, cur_unique]))[0]
    n1, n2 = reference.size, current.size
    p1 = float(np.count_nonzero(reference != first)) / n1
    p2 = float(np.count_nonzero(current != first)) / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    denominator = math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    if denominator == 0.0:
        return 1.0
    z = (p1 - p2) / denominator
    return float(2 * (1 - stats.norm.cdf(abs(z))))


Z = StatTest(
    name="z",
    display_name="Z-test p_value",
    feature_types=frozenset({FeatureType.CATEGORICAL}),
    score_kind=ScoreKind.P_VALUE,
    default_threshold=0.05,
    comparison=Comparison.LT,
    func=z_p_value,
    evidently_name="z",
)
