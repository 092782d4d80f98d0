"""k-sample Anderson-Darling test (two samples, midrank variant)."""

from __future__ import annotations

import warnings

from scipy import stats

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.sample import Sample

LARGEST_P_VALUE = 0.25
"""scipy interpolates the p-value from a table and caps it here."""


def anderson_p_value(reference: Sample, current: Sample) -> float:
    """scipy's ``anderson_ksamp([reference, current])`` p-value, within [0.001, 0.25].

    Every value of both windows being the same makes scipy raise; that is
    reported as the largest p-value the test gives, 0.25 (no drift).
    """
    u, v = reference.sorted, current.sorted
    if u[0] == u[-1] == v[0] == v[-1]:
        return LARGEST_P_VALUE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        result = stats.anderson_ksamp([u, v], variant="midrank")
    return float(result.pvalue)


ANDERSON = StatTest(
    name="anderson",
    display_name="Anderson-Darling",
    feature_types=frozenset({FeatureType.NUMERICAL}),
    score_kind=ScoreKind.P_VALUE,
    default_threshold=0.1,
    comparison=Comparison.LT,
    func=anderson_p_value,
    evidently_name="anderson",
    min_size=2,
    note="Needs two values per window (scipy fails below four in all). Both windows "
    "holding one and the same value give p = 0.25 where Evidently raises.",
)
