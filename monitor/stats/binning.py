"""Histograms and category counts shared by the binned drift tests.

These reproduce Evidently 0.7's ``get_binned_data`` (same bin edges, same
zero filling, same order of categories) so PSI, KL, Jensen-Shannon and
Hellinger scores agree to many digits. Counts over sorted reference values are
taken with ``searchsorted``, which gives exactly the counts ``np.histogram``
gives for an array of edges.
"""

from __future__ import annotations

import numpy as np

from monitor.stats.base import FeatureType, Floats, Values
from monitor.stats.counted import CountedSample
from monitor.stats.sample import Sample
from monitor.stats.scaling import safe_scale

HISTOGRAM_MIN_UNIQUE = 20
"""A numerical reference with more distinct values than this is histogrammed;
otherwise the distinct values of both windows are the bins (Evidently's rule)."""


def aligned_counts(reference: Sample, current: Sample) -> tuple[list[object], Floats, Floats]:
    """Counts of every distinct value of either window, aligned on their union.

    The union is ordered as Evidently orders it (``set(reference) | set(current)``
    iterated, distinct values entered in order of first appearance), so sums
    over categories add in the same order.
    """
    keys: list[object] = list(set(reference.distinct.tolist()) | set(current.distinct.tolist()))
    position = {key: i for i, key in enumerate(keys)}
    return keys, _spread(reference, position), _spread(current, position)


def _spread(sample: Sample, position: dict[object, int]) -> Floats:
    out = np.zeros(len(position), dtype=np.float64)
    index = np.fromiter(
        (position[key] for key in sample.distinct.tolist()), dtype=np.intp, count=sample.n_unique
    )
    out[index] = sample.counts
    return out


def fill_zeroes(shares: Floats) -> Floats:
    """Replace empty bins by a tiny share, as Evidently does before taking logs."""
    out = shares.copy()
    nonzero = out[out != 0]
    if nonzero.size == 0:
        return out
    smallest = float(nonzero.min())
    out[out == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return out


def sturges_edges(low: float, high: float, size: int) -> Floats:
    """``np.histogram_bin_edges(x, bins="sturges")`` for data with this minimum,
    maximum and size, without the data.

    Where numpy refuses (more bins than there are representable numbers in a
    tiny range) the distinct edges are used instead of raising; a single value
    too large for ±0.5 to move it gets the neighbouring floats as edges.
    """
    first, last = np.float64(low), np.float64(high)
    width = np.subtract(last, first) / (np.log2(size) + 1.0)
    if first == last:
        first, last = first - 0.5, last + 0.5
        if first == last:
            first, last = np.nextafter(first, -np.inf), np.nextafter(last, np.inf)
    n_bins = int(np.ceil(np.subtract(last, first) / width)) if width else 1
    edges: Floats = np.linspace(first, last, n_bins + 1, endpoint=True, dtype=np.float64)
    if np.any(edges[:-1] >= edges[1:]):
        edges = np.unique(edges)
    return edges


def bin_counts(sample: Sample, edges: Floats, scale: float = 1.0) -> Floats:
    """How many values fall in each bin (last bin closed), as ``np.histogram`` counts.

    ``scale`` multiplies the values first (see :mod:`monitor.stats.scaling`).
    A counted window (aggregate mode) answers from the histogram the database
    counted on these edges (divided by ``scale``: a power of two, so exactly).
    """
    if isinstance(sample, CountedSample):
        return sample.bin_counts(edges / scale)
    if sample.has_sorted:
        ordered = sample.sorted if scale == 1.0 else sample.sorted * scale
        cumulative = np.concatenate(
            (ordered.searchsorted(edges[:-1], "left"), ordered.searchsorted(edges[-1:], "right"))
        )
        return np.diff(cumulative).astype(np.float64)
    values = sample.values.astype(np.float64, copy=False)
    if scale != 1.0:
        values = values * scale
    return np.histogram(values, edges)[0].astype(np.float64)


def sturges_bins(reference: Sample, current: Sample) -> tuple[Floats, float] | None:
    """The Sturges edges (on values multiplied by the scale) and the scale that
    :func:`binned_shares` cuts a numerical column on, or None when it bins on the
    distinct values instead (a reference of 20 distinct values or fewer).

    Only the windows' sizes and extremes enter, so aggregate mode computes the
    same edges from the counts the database returns.
    """
    if (
        reference.feature_type is not FeatureType.NUMERICAL
        or reference.n_unique <= HISTOGRAM_MIN_UNIQUE
    ):
        return None
    scale = safe_scale(reference, current)
    edges = sturges_edges(
        min(reference.minimum, current.minimum) * scale,
        max(reference.maximum, current.maximum) * scale,
        reference.size + current.size,
    )
    return edges, scale


def binned_shares(reference: Sample, current: Sample, *, fill: bool) -> tuple[Floats, Floats]:
    """Shares of each window falling in each bin.

    Numerical columns whose reference has more than 20 distinct values are cut
    into Sturges bins spanning both windows; anything else uses the distinct
    values of both windows as bins.
    """
    sturges = sturges_bins(reference, current)
    if sturges is not None:
        edges, scale = sturges
        ref_shares = bin_counts(reference, edges, scale) / reference.size
        cur_shares = bin_counts(current, edges, scale) / current.size
    else:
        _, ref_counts, cur_counts = aligned_counts(reference, current)
        ref_shares = ref_counts / reference.size
        cur_shares = cur_counts / current.size
    if fill:
        return fill_zeroes(ref_shares), fill_zeroes(cur_shares)
    return ref_shares, cur_shares


def union_distinct(reference: Sample, current: Sample) -> Values:
    """Distinct numerical values of both windows, ascending."""
    merged = np.sort(np.concatenate((reference.distinct, current.distinct)), kind="stable")
    if merged.size == 0:
        return merged
    keep = np.concatenate(([True], merged[1:] != merged[:-1]))
    distinct: Values = merged[keep]
    return distinct
