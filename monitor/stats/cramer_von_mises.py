"""Two-sample Cramér-von Mises test."""

from __future__ import annotations

import numpy as np
from scipy import stats

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.sample import Sample


def cramer_von_mises_p_value(reference: Sample, current: Sample) -> float:
    """scipy's ``cramervonmises_2samp`` p-value: exact when neither window has
    more than 20 values, asymptotic otherwise (the rule Evidently's copy uses)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        result = stats.cramervonmises_2samp(reference.sorted, current.sorted)
    return float(result.pvalue)


CRAMER_VON_MISES = StatTest(
    name="cramer_von_mises",
    display_name="Cramer-von Mises",
    feature_types=frozenset({FeatureType.NUMERICAL}),
    score_kind=ScoreKind.P_VALUE,
    default_threshold=0.1,
    comparison=Comparison.LE,
    func=cramer_von_mises_p_value,
    evidently_name="cramer_von_mises",
    min_size=2,
    note="Needs two values per window (Evidently raises below that).",
)
