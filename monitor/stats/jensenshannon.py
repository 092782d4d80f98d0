"""Jensen-Shannon distance between the binned distributions (natural log)."""

from __future__ import annotations

from scipy.spatial import distance

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.binning import binned_shares
from monitor.stats.sample import Sample


def jensenshannon_distance(reference: Sample, current: Sample) -> float:
    """scipy's ``jensenshannon`` of the bin shares, empty bins left empty."""
    ref_shares, cur_shares = binned_shares(reference, current, fill=False)
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
    note="Values beyond ~1e120 (or all below ~1e-120) are rescaled before binning so the "
    "bins stay finite (Evidently raises there).",
)
