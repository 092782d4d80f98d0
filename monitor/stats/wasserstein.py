"""First Wasserstein distance, normed by the reference standard deviation."""

from __future__ import annotations

import numpy as np
from scipy import stats

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest, Values

MIN_NORM = 0.001
"""Floor of the norm, so a constant reference does not divide by zero."""


def wasserstein_normed(reference: Values, current: Values, feature_type: FeatureType) -> float:
    ref = reference.astype(np.float64, copy=False)
    cur = current.astype(np.float64, copy=False)
    norm = max(float(np.std(ref)), MIN_NORM)
    return float(stats.wasserstein_distance(ref, cur)) / norm


WASSERSTEIN = StatTest(
    name="wasserstein",
    display_name="Wasserstein distance (normed)",
    feature_types=frozenset({FeatureType.NUMERICAL}),
    score_kind=ScoreKind.DISTANCE,
    default_threshold=0.1,
    comparison=Comparison.GE,
    func=wasserstein_normed,
    evidently_name="wasserstein",
)
