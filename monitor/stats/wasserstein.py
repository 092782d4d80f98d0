"""First Wasserstein distance, normed by the reference standard deviation."""

from __future__ import annotations

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.cdf import quantile_l1
from monitor.stats.sample import Sample
from monitor.stats.scaling import safe_scale

MIN_NORM = 0.001
"""Floor of the norm, so a constant reference does not divide by zero."""


def wasserstein_normed(reference: Sample, current: Sample) -> float:
    """W1(reference, current) / max(std(reference), 0.001).

    Values beyond ~1e120 (or all below ~1e-120) are rescaled by a power of two
    first (the ratio is scale-free, the floor is rescaled with them);
    Evidently's standard deviation overflows there and its score collapses to
    0 or NaN.
    """
    scale = safe_scale(reference, current)
    if scale == 1.0:
        distance = quantile_l1(reference.sorted, current.sorted)
        spread = reference.std
    else:
        distance = quantile_l1(reference.sorted * scale, current.sorted * scale)
        spread = float((reference.floats * scale).std())
    return distance / max(spread, MIN_NORM * scale)


WASSERSTEIN = StatTest(
    name="wasserstein",
    display_name="Wasserstein distance (normed)",
    feature_types=frozenset({FeatureType.NUMERICAL}),
    score_kind=ScoreKind.DISTANCE,
    default_threshold=0.1,
    comparison=Comparison.GE,
    func=wasserstein_normed,
    evidently_name="wasserstein",
    note="Values beyond ~1e120 (or all below ~1e-120) are rescaled so the score stays "
    "defined (Evidently's standard deviation overflows there).",
)
