"""Population Stability Index over the binned distributions."""

from __future__ import annotations

import numpy as np

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.binning import binned_shares
from monitor.stats.sample import Sample


def psi(reference: Sample, current: Sample) -> float:
    """sum((ref - cur) * ln(ref / cur)) with empty bins filled by a tiny share."""
    ref_shares, cur_shares = binned_shares(reference, current, fill=True)
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
    note="Values beyond ~1e120 (or all below ~1e-120) are rescaled before binning so the "
    "bins stay finite (Evidently raises there).",
)
