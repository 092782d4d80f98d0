"""Histogram and category-count helpers shared by the binned drift tests.

These reproduce Evidently 0.7's ``get_binned_data`` exactly (same bin edges,
same zero filling) so PSI, KL and Jensen-Shannon scores agree to many digits.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from monitor.stats.base import FeatureType, Values

Floats = npt.NDArray[np.float64]

HISTOGRAM_MIN_UNIQUE = 20
"""A numerical reference with more distinct values than this is histogrammed;
otherwise its distinct values are the bins (Evidently's rule)."""


def counts_over_union(reference: Values, current: Values) -> tuple[Floats, Floats]:
    """Counts of every distinct value of either window, aligned on the union."""
    both = np.concatenate([reference, current])
    _, inverse = np.unique(both, return_inverse=True)
    inverse = inverse.reshape(-1)
    size = int(inverse.max()) + 1 if inverse.size else 0
    ref_counts = np.bincount(inverse[: reference.size], minlength=size).astype(np.float64)
    cur_counts = np.bincount(inverse[reference.size :], minlength=size).astype(np.float64)
    return ref_counts, cur_counts


def fill_zeroes(percents: Floats) -> Floats:
    """Replace empty bins by a tiny share, as Evidently does before taking logs."""
    out = percents.copy()
    nonzero = out[out != 0]
    if nonzero.size == 0:
        return out
    smallest = float(nonzero.min())
    out[out == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return out


def binned_shares(
    reference: Values,
    current: Values,
    feature_type: FeatureType,
    *,
    fill: bool,
) -> tuple[Floats, Floats]:
    """Shares of each window falling in each bin.

    Numerical columns whose reference has more than 20 distinct values are cut
    into Sturges bins spanning both windows; anything else uses its distinct
    values as bins.
    """
    if feature_type is FeatureType.NUMERICAL and _n_unique(reference) > HISTOGRAM_MIN_UNIQUE:
        ref = reference.astype(np.float64, copy=False)
        cur = current.astype(np.float64, copy=False)
        edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        ref_shares = np.histogram(ref, edges)[0] / ref.size
        cur_shares = np.histogram(cur, edges)[0] / cur.size
    else:
        ref_counts, cur_counts = counts_over_union(reference, current)
        ref_shares = ref_counts / reference.size
        cur_shares = cur_counts / current.size
    if fill:
        return fill_zeroes(ref_shares), fill_zeroes(cur_shares)
    return ref_shares, cur_shares


def _n_unique(values: Values) -> int:
    return int(np.unique(values).size)
