"""Energy distance between the two empirical distributions."""

from __future__ import annotations

import math

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.cdf import cdf_distance
from monitor.stats.sample import Sample
from monitor.stats.scaling import safe_scale


def energy_distance(reference: Sample, current: Sample) -> float:
    """scipy's ``energy_distance``: sqrt(2) times the L2 distance between the CDFs.

    The distance grows with the square root of the scale, so values beyond
    ~1e120 (or all below ~1e-120) are rescaled by a power of two 2**2k and the
    result divided by 2**k.
    """
    scale = safe_scale(reference, current)
    if scale == 1.0:
        return math.sqrt(2) * cdf_distance(reference.sorted, current.sorted, 2)
    scaled = cdf_distance(reference.sorted * scale, current.sorted * scale, 2)
    return math.sqrt(2) * scaled / math.sqrt(scale)


ENERGY = StatTest(
    name="ed",
    display_name="Energy-distance",
    feature_types=frozenset({FeatureType.NUMERICAL}),
    score_kind=ScoreKind.DISTANCE,
    default_threshold=0.1,
    comparison=Comparison.GT,
    func=energy_distance,
    evidently_name="ed",
)
