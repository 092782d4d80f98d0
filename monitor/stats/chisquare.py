"""Pearson's chi-square goodness-of-fit test of current counts against reference shares."""

from __future__ import annotations

import numpy as np
from scipy import stats

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.binning import aligned_counts
from monitor.stats.sample import Sample


def chisquare_p_value(reference: Sample, current: Sample) -> float:
    """p-value of current counts against the reference counts scaled to the current size.

    A category seen only in the current window has an expected count of zero,
    which gives an infinite statistic and a p-value of 0 (certain drift).
    Both windows holding one and the same value give p = 1 (Evidently: NaN,
    from a test with zero degrees of freedom).
    """
    keys, ref_counts, cur_counts = aligned_counts(reference, current)
    if len(keys) == 1:
        return 1.0
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
    note="A single value shared by both windows gives p = 1 where Evidently returns NaN.",
)
