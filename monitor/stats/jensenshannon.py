"""Jensen-Shannon distance between the binned distributions (natural log)."""

from __future__ import annotations

from scipy.spatial import distance

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest, Values
from monitor.stats.binning import binned_shares


def jensenshannon_distance(reference: Values, current: Values, feature_type: FeatureType) -> float:
    ref_shares, cur_shares = binned_shares(reference, current, feature_type, fill=False)
    return float(distance.jensenshannon(ref_shares, cur_shares))


JENSENSHANNON = StatTest(
    name="jensenshannon",
    display_name="Jensen-Shannon distance",
    feature_types=frozenset({FeatureType.NUMERICAL, FeatureType.CATEGORICAL}),
    score_kind=ScoreKind.DISTANCE,
    default_threshold=0.1,
    comparison=Comparison.GE,
    func=jensenshannon_distance,
    evidently_name="jensenshannon",
)
