"""Population Stability Index over the binned distributions."""

from __future__ import annotations

import numpy as np

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest, Values
from monitor.stats.binning import binned_shares


def psi(reference: Values, current: Values, feature_type: FeatureType) -> float:
    """sum((ref - cur) * ln(ref / cur)) with empty bins filled by a tiny share."""
    ref_shares, cur_shares = binned_shares(reference, current, feature_type, fill=True)
    return float(np.sum((ref_shares - cur_shares) * np.log(ref_shares / cur_shares)))


PSI = StatTest(
    name="psi",
    display_name="PSI",
    feature_types=frozenset({FeatureType.NUMERICAL, FeatureType.CATEGORICAL}),
    score_kind=ScoreKind.DISTANCE,
    default_threshold=0.1,
    comparison=Comparison.GE,
    func=psi,
    evidently_name="psi",
)
