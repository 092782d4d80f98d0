"""Fisher's exact test on the 2×2 table of a binary column's counts."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.binning import aligned_counts
from monitor.stats.sample import Sample


def fisher_exact_p_value(reference: Sample, current: Sample) -> float:
    """Two-sided p-value of the table [[current a, current b], [reference a, reference b]].

    Defined for columns with at most two distinct values over both windows;
    with more the score is NaN (no verdict). One value only gives p = 1.
    """
    keys, ref_counts, cur_counts = aligned_counts(reference, current)
    if len(keys) > 2:
        return math.nan
    if len(keys) == 1:
        return 1.0
    table = np.array([cur_counts, ref_counts], dtype=np.int64)
    return float(stats.fisher_exact(table).pvalue)


FISHER_EXACT = StatTest(
    name="fisher_exact",
    display_name="Fisher's Exact test",
    feature_types=frozenset({FeatureType.CATEGORICAL}),
    score_kind=ScoreKind.P_VALUE,
    default_threshold=0.1,
    comparison=Comparison.LT,
    func=fisher_exact_p_value,
    evidently_name="fisher_exact",
    note="Undefined (no verdict) when the column has more than two distinct values over "
    "both windows. Evidently also raises unless both windows have the same number of "
    "rows; driftwarden tests windows of any sizes.",
)
