"""L-infinity distance between category shares (NannyML's ``l_infinity``)."""

from __future__ import annotations

import numpy as np

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.binning import aligned_counts
from monitor.stats.sample import Sample


def l_infinity_distance(reference: Sample, current: Sample) -> float:
    """The largest absolute difference between a category's share in the two
    windows, over every category seen in either."""
    _, ref_counts, cur_counts = aligned_counts(reference, current)
    return float(np.max(np.abs(ref_counts / reference.size - cur_counts / current.size)))


L_INFINITY = StatTest(
    name="l_infinity",
    display_name="L-Infinity distance",
    feature_types=frozenset({FeatureType.CATEGORICAL}),
    score_kind=ScoreKind.DISTANCE,
    default_threshold=0.1,
    comparison=Comparison.GT,
    func=l_infinity_distance,
    evidently_name=None,
    note="Evidently 0.7 has no L-infinity test. The definition is NannyML's "
    "LInfinityDistance (max over the union of categories of |reference share - "
    "current share|), alerting when the distance exceeds (>) the threshold. NannyML "
    "derives its threshold from reference chunks (mean + 3 std); driftwarden uses a "
    "fixed default of 0.1, NannyML's earlier default.",
)
