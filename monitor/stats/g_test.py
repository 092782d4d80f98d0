"""G-test (log-likelihood ratio) of current counts against reference counts."""

from __future__ import annotations

import numpy as np
from scipy import stats

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.binning import aligned_counts
from monitor.stats.sample import Sample


def g_test_p_value(reference: Sample, current: Sample) -> float:
    """p-value of scipy's ``power_divergence(lambda_="log-likelihood")`` of the
    current counts against the reference counts scaled to the current size.

    Evidently passes the raw reference counts, which scipy accepts only when
    both windows have the same size; there the scaling factor is 1 and the
    numbers are identical. A category seen only in the current window gives
    p = 0; one value shared by both windows gives p = 1 (Evidently: NaN).
    """
    keys, ref_counts, cur_counts = aligned_counts(reference, current)
    if len(keys) == 1:
        return 1.0
    expected = ref_counts * (current.size / reference.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = stats.power_divergence(cur_counts, expected, lambda_="log-likelihood")
    return float(result.pvalue)


G_TEST = StatTest(
    name="g_test",
    display_name="g_test",
    feature_types=frozenset({FeatureType.CATEGORICAL}),
    score_kind=ScoreKind.P_VALUE,
    default_threshold=0.1,
    comparison=Comparison.LT,
    func=g_test_p_value,
    evidently_name="g_test",
    note="Expected counts are scaled to the current window's size; Evidently raises "
    "unless both windows have the same size. A single shared value gives p = 1 where "
    "Evidently returns NaN.",
)
