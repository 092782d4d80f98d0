"""Hellinger distance between the two distributions."""

from __future__ import annotations

import math

import numpy as np

from monitor.stats.base import Comparison, FeatureType, Floats, ScoreKind, StatTest
from monitor.stats.binning import aligned_counts, bin_counts, sturges_edges, union_distinct
from monitor.stats.sample import Sample
from monitor.stats.scaling import safe_scale


def hellinger_distance(reference: Sample, current: Sample) -> float:
    """sqrt(1 - Bhattacharyya coefficient), as Evidently defines it.

    Categorical columns compare category shares. Numerical columns compare
    density histograms on Sturges bins laid over the distinct values of both
    windows (not over the values themselves: Evidently's definition). The
    coefficient is summed bin by bin in Evidently's order, because
    ``1 - coefficient`` cancels and the order of the sum shows in small distances.
    """
    if reference.feature_type is FeatureType.CATEGORICAL:
        _, ref_counts, cur_counts = aligned_counts(reference, current)
        coefficient = _sequential_sum(
            np.sqrt((ref_counts / reference.size) * (cur_counts / current.size))
        )
    else:
        coefficient = _numerical_coefficient(reference, current)
    return math.sqrt(1 - min(max(coefficient, 0.0), 1.0))


def _numerical_coefficient(reference: Sample, current: Sample) -> float:
    scale = safe_scale(reference, current)
    keys = union_distinct(reference, current)
    if keys.size == 1:
        return 1.0  # one and the same value in both windows
    edges = sturges_edges(float(keys[0]) * scale, float(keys[-1]) * scale, int(keys.size))
    widths = np.diff(edges)
    ref_counts = bin_counts(reference, edges, scale)
    cur_counts = bin_counts(current, edges, scale)
    bin_width = (edges.max() - edges.min()) / (edges.size - 1)
    with np.errstate(over="ignore", invalid="ignore"):
        ref_density = ref_counts / widths / ref_counts.sum()
        cur_density = cur_counts / widths / cur_counts.sum()
        terms = np.sqrt(ref_density * cur_density) * bin_width
    if not np.all(np.isfinite(terms)):
        # Densities overflow when the bins are extremely narrow next to the values;
        # the same terms, regrouped, stay finite.
        shares = np.sqrt((ref_counts / ref_counts.sum()) * (cur_counts / cur_counts.sum()))
        terms = shares * (bin_width / widths)
    return _sequential_sum(terms)


def _sequential_sum(terms: Floats) -> float:
    """Left-to-right sum (numpy's pairwise sum would round differently)."""
    return float(np.cumsum(terms)[-1]) if terms.size else 0.0


HELLINGER = StatTest(
    name="hellinger",
    display_name="Hellinger distance",
    feature_types=frozenset({FeatureType.NUMERICAL, FeatureType.CATEGORICAL}),
    score_kind=ScoreKind.DISTANCE,
    default_threshold=0.1,
    comparison=Comparison.GE,
    func=hellinger_distance,
    evidently_name="hellinger",
    note="Values beyond ~1e120 (or all below ~1e-120) are rescaled before binning so the "
    "bins stay finite (Evidently raises there); densities that still overflow are "
    "regrouped (Evidently's coefficient becomes inf and the distance 0).",
)
