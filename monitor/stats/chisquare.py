"""Pearson's chi-square goodness-of-fit test of current counts against reference shares."""

from __future__ import annotations

import numpy as np
from scipy import stats

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest, Values
from monitor.stats.binning import counts_over_union


def chisquare_p_value(reference: Values, current: Values, feature_type: FeatureType) -> float:
    """p-value of current counts against the reference distribution scaled to the current size.

    A category seen only in the current window has an expected count of zero,
    which gives an infinite statistic and a p-value of 0 (certain drift).
    """
    ref_counts, cur_counts = counts_over_union(reference, current)
    expected = ref_counts * (current.size / reference.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = stats.chisquare(cur_counts, expected)
    return float(result.pvalue)


CHISQUARE = StatTest(
    name="chisquare",
    display_name="chi-square p_value",
    feature_types=frozenset({FeatureType.CATEGORICAL}),
    score_kind=ScoreKind.P_VALUE,
    default_threshold=0.05,
    comparison=Comparison.LT,
    func=chisquare_p_value,
    evidently_name="chisquare",
)
