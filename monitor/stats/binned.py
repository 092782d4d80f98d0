"""Kolmogorov-Smirnov and Wasserstein with the current window known by a histogram.

In aggregate mode the database returns, for each bin of fine quantile edges of
the reference, the count and the smallest and largest current value. The
reference is known exactly (its sorted values live in the cached profile). The
current window's CDF is modelled as exact outside each bin's ``[low, high]``
and linear inside it (the bin's values spread evenly between its extremes);
both tests then compare the exact reference CDF with that model.

Error bounds (``q_j``: share of the current window in bin ``j``, ``w_j``: its
``high - low``; bins holding one distinct value have ``w_j = 0`` and are exact):

- Kolmogorov-Smirnov: inside bin ``j`` the true and the modelled CDF both lie
  between the shares below and at the bin's top, so they differ by at most
  ``q_j``, and ``|D_binned - D| <= max_j q_j`` over bins with ``w_j > 0``. With
  ``B`` quantile bins and no drift ``q_j`` is about ``1/B``.
- Wasserstein: the same holds point by point, so
  ``|W_binned - W| <= sum_j q_j * w_j`` (divided by the norm for the normed score).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from monitor.stats.base import Floats
from monitor.stats.counted import CountedSample, Histogram
from monitor.stats.sample import Sample
from monitor.stats.wasserstein import MIN_NORM


@dataclass(frozen=True)
class Pieces:
    """A window as disjoint pieces in ascending order: ``mass`` spread evenly on
    ``[low, high]`` (all of it at ``low`` when ``low == high``)."""

    low: Floats
    high: Floats
    mass: Floats
    """Shares of the window, adding up to 1."""

    def cdf(self, points: Floats, *, right: bool) -> Floats:
        """The modelled CDF at ``points``: ``P(X <= t)`` (``right``) or ``P(X < t)``."""
        side: Literal["left", "right"] = "right" if right else "left"
        done = np.concatenate(([0.0], np.cumsum(self.mass)))
        # pieces wholly at or below t (right) / below t (left): high <= t / high < t
        whole = np.searchsorted(self.high, points, side=side)
        out: Floats = done[whole].copy()
        # the piece spread across t, if any: low < t < high (or low <= t for right)
        inside = np.searchsorted(self.low, points, side=side) - 1
        spread = (inside >= whole) & (inside >= 0)
        j = inside[spread]
        width = self.high[j] - self.low[j]
        part = np.where(
            width > 0, (points[spread] - self.low[j]) / np.where(width > 0, width, 1), 0
        )
        out[spread] += self.mass[j] * np.clip(part, 0.0, 1.0)
        return out

    @property
    def spread_mass(self) -> Floats:
        """Mass of the pieces with a width (the ones the model may misplace)."""
        out: Floats = np.where(self.high > self.low, self.mass, 0.0)
        return out


def histogram_pieces(histogram: Histogram, reference: Floats | None = None) -> Pieces:
    """The current window's pieces: each non-empty bin's mass spread over its
    ``[low, high]``, shaped like the reference's values in that range when the
    reference (sorted) has any there, else evenly."""
    keep = histogram.counts > 0
    low, high = histogram.low[keep], histogram.high[keep]
    mass = histogram.counts[keep] / float(histogram.counts.sum())
    if reference is None or reference.size == 0:
        return Pieces(low=low, high=high, mass=mass)
    starts = np.searchsorted(reference, low, side="left")
    ends = np.searchsorted(reference, high, side="right")
    lows, highs, masses = [], [], []
    for j in range(low.size):
        inside = reference[starts[j] : ends[j]]
        if inside.size == 0 or low[j] == high[j]:
            lows.append(low[j : j + 1])
            highs.append(high[j : j + 1])
            masses.append(mass[j : j + 1])
            continue
        keys = np.concatenate(([True], inside[1:] != inside[:-1]))
        values = inside[keys]
        counts = np.diff(np.append(np.flatnonzero(keys), inside.size))
        lows.append(values)
        highs.append(values)
        masses.append(mass[j] * counts / inside.size)
    return Pieces(low=np.concatenate(lows), high=np.concatenate(highs), mass=np.concatenate(masses))


def exact_pieces(sample: Sample) -> Pieces:
    """A window with its values at hand: one atom per distinct value."""
    distinct = sample.distinct.astype(np.float64)
    return Pieces(low=distinct, high=distinct, mass=sample.counts / float(sample.size))


def window_pieces(sample: Sample, reference: Sample | None = None) -> Pieces:
    """A window's pieces; a counted one is shaped by ``reference`` inside its bins."""
    if isinstance(sample, CountedSample):
        if sample.histogram is not None:
            shape = reference.sorted if reference is not None else None
            return histogram_pieces(sample.histogram, shape)
        if sample.has_tally:
            return exact_pieces(sample)
        raise TypeError("no histogram of this window was counted")
    return exact_pieces(sample)


def _breakpoints(*windows: Pieces) -> Floats:
    points = np.concatenate([np.concatenate((w.low, w.high)) for w in windows])
    return np.unique(points)


def ks_statistic_binned(reference: Sample, current: Sample) -> float:
    """sup |F_reference - F_current| with the current CDF modelled on its bins."""
    ref, cur = window_pieces(reference), window_pieces(current, reference)
    points = _breakpoints(ref, cur)
    gaps = [
        np.abs(ref.cdf(points, right=side) - cur.cdf(points, right=side)) for side in (True, False)
    ]
    return float(min(1.0, max(float(g.max()) for g in gaps)))


def ks_bound(current: Sample) -> float:
    """Largest possible difference between the binned and the exact KS statistic."""
    pieces = window_pieces(current)
    spread = pieces.spread_mass
    return float(spread.max()) if spread.size else 0.0


def ks_p_value_binned(reference: Sample, current: Sample) -> float:
    """Asymptotic two-sided p-value of the binned statistic (scipy's ``kstwo.sf``,
    the distribution ``ks_2samp`` uses for windows above 10,000 values)."""
    m, n = sorted([float(reference.size), float(current.size)], reverse=True)
    en = m * n / (m + n)
    d = ks_statistic_binned(reference, current)
    return float(np.clip(stats.kstwo.sf(d, np.round(en)), 0, 1))


def wasserstein_distance_binned(reference: Sample, current: Sample) -> float:
    """∫|F_reference - F_current| with the current CDF modelled on its bins."""
    ref, cur = window_pieces(reference), window_pieces(current, reference)
    points = _breakpoints(ref, cur)
    if points.size < 2:
        return 0.0
    # On each gap between breakpoints both CDFs are linear: evaluate the difference
    # just after the gap's start and just before its end, integrate |linear| exactly.
    start = ref.cdf(points[:-1], right=True) - cur.cdf(points[:-1], right=True)
    end = ref.cdf(points[1:], right=False) - cur.cdf(points[1:], right=False)
    width = np.diff(points)
    a, b = np.abs(start), np.abs(end)
    same_sign = start * end >= 0
    total = a + b
    crossing = np.divide(start**2 + end**2, total, out=np.zeros_like(total), where=total > 0)
    area = np.where(same_sign, (a + b) / 2, crossing / 2) * width
    return float(area.sum())


def wasserstein_norm(reference: Sample) -> float:
    return max(reference.std, MIN_NORM)


def wasserstein_normed_binned(reference: Sample, current: Sample) -> float:
    """The binned W1 divided by max(std(reference), 0.001), as row mode norms it."""
    return wasserstein_distance_binned(reference, current) / wasserstein_norm(reference)


def wasserstein_bound(reference: Sample, current: Sample) -> float:
    """Largest possible difference between the binned and the exact normed score."""
    pieces = window_pieces(current)
    spread = float(np.sum(pieces.mass * (pieces.high - pieces.low)))
    return spread / wasserstein_norm(reference) if math.isfinite(spread) else math.inf
