"""Mann-Whitney U rank test, one-sided as Evidently runs it."""

from __future__ import annotations

import numpy as np
from scipy import stats

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.sample import Sample


def mann_whitney_p_value(reference: Sample, current: Sample) -> float:
    """scipy's ``mannwhitneyu(reference, current, alternative="less")`` p-value.

    One-sided: small when reference values tend to be smaller than current
    ones. A current window shifted down is not reported (Evidently's choice).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        result = stats.mannwhitneyu(reference.sorted, current.sorted, alternative="less")
    p_value = float(result.pvalue)
    if np.isnan(p_value) and _identical_constants(reference, current):
        return 1.0
    return p_value


def _identical_constants(reference: Sample, current: Sample) -> bool:
    u, v = reference.sorted, current.sorted
    return bool(u[0] == u[-1] == v[0] == v[-1])


MANNW = StatTest(
    name="mannw",
    display_name="Mann-Whitney U-rank test",
    feature_types=frozenset({FeatureType.NUMERICAL}),
    score_kind=ScoreKind.P_VALUE,
    default_threshold=0.05,
    comparison=Comparison.LT,
    func=mann_whitney_p_value,
    evidently_name="mannw",
    note="One-sided (alternative 'less'), as in Evidently.",
)
