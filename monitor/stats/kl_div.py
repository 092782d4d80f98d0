"""Kullback-Leibler divergence of the current from the reference distribution."""

from __future__ import annotations

from scipy import stats

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.binning import binned_shares
from monitor.stats.sample import Sample


def kl_divergence(reference: Sample, current: Sample) -> float:
    """scipy's ``entropy(ref, cur)`` (natural log) of the bin shares, empty bins
    filled by a tiny share so the divergence stays finite."""
    ref_shares, cur_shares = binned_shares(reference, current, fill=True)
    return float(stats.entropy(ref_shares, cur_shares))


KL_DIV = StatTest(
    name="kl_div",
    display_name="Kullback-Leibler divergence",
    feature_types=frozenset({FeatureType.NUMERICAL, FeatureType.CATEGORICAL}),
    score_kind=ScoreKind.DISTANCE,
    default_threshold=0.1,
    comparison=Comparison.GE,
    func=kl_divergence,
    evidently_name="kl_div",
    note="Values beyond ~1e120 (or all below ~1e-120) are rescaled before binning so the "
    "bins stay finite (Evidently raises there).",
)
