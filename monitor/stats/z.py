"""Two-proportion Z-test for a column with (at most) two distinct values."""

from __future__ import annotations

import math

from scipy import stats

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.binning import aligned_counts
from monitor.stats.sample import Sample


def z_p_value(reference: Sample, current: Sample) -> float:
    """Two-sided p-value for the difference in the share of values other than
    the smallest value of either window.

    Both windows holding the same single value gives p = 1 (as in Evidently).
    """
    keys, ref_counts, cur_counts = aligned_counts(reference, current)
    if len(keys) == 1:
        return 1.0
    first = keys.index(min(keys))  # type: ignore[type-var]
    n1, n2 = reference.size, current.size
    p1 = float(n1 - ref_counts[first]) / n1
    p2 = float(n2 - cur_counts[first]) / n2
    pooled = float(p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
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
