"""A window known only by counts: what aggregate mode brings back from the database.

The tests that need nothing but counts (category counts, histogram counts on
given bin edges, size, minimum and maximum) take a :class:`CountedSample` where
they take a :class:`~monitor.stats.sample.Sample`, through the same code path,
so their scores are those of row mode. Asking one for its raw values raises:
a test that needs them cannot silently run on an empty array.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from monitor.stats.base import Counts, FeatureType, Floats, Values
from monitor.stats.sample import Sample


@dataclass(frozen=True)
class Histogram:
    """Counts of one numerical window on sorted bin edges ``u_0 < ... < u_{k-1}``.

    Bin ``j`` holds the values with exactly ``j`` edges at or below them: bin 0 is
    ``(-inf, u_0)``, bin ``j`` is ``[u_{j-1}, u_j)``, bin ``k`` is ``[u_{k-1}, inf)``.
    ``low``/``high`` are the smallest and largest value in each bin (NaN when empty).
    """

    edges: Floats
    counts: Floats
    low: Floats
    high: Floats

    def __post_init__(self) -> None:
        size = self.edges.size + 1
        if not (self.counts.size == self.low.size == self.high.size == size):
            raise ValueError("a histogram on k edges has k + 1 bins")

    def on(self, edges: Floats) -> Floats:
        """Counts on ``edges`` (each one of :attr:`edges`), ``np.histogram``-style:
        bins ``[e_i, e_{i+1})`` and the last one closed.

        The last bin also takes everything above its upper edge, which holds only
        values equal to it when that edge is the largest value of the window (as
        Sturges edges spanning both windows are).
        """
        position = np.searchsorted(self.edges, edges)
        if np.any(position >= self.edges.size) or np.any(self.edges[position] != edges):
            raise ValueError("the bin edges asked for were not counted")
        cumulative = np.concatenate(([0.0], np.cumsum(self.counts)))
        below = cumulative[position + 1]  # values below each edge: bins 0..position
        out: Floats = np.diff(below)
        out[-1] = cumulative[-1] - below[-2]
        return out

    def below(self, edge: float) -> int:
        """Values below ``edge`` (one of :attr:`edges`)."""
        position = int(np.searchsorted(self.edges, edge))
        if position >= self.edges.size or self.edges[position] != edge:
            raise ValueError(f"{edge!r} is not one of the bin edges")
        return int(self.counts[: position + 1].sum())

    def at_or_above(self, edge: float) -> int:
        """Values at or above ``edge`` (one of :attr:`edges`)."""
        return int(self.counts.sum()) - self.below(edge)


class CountedSample(Sample):
    """Counts, extremes and histograms of a window, without its values."""

    def __init__(
        self,
        feature_type: FeatureType,
        size: int,
        *,
        extremes: tuple[float, float] | None = None,
        tally: tuple[Values, Counts] | None = None,
        histogram: Histogram | None = None,
    ) -> None:
        """``tally``: distinct values and their counts (categories, or the values of a
        numerical column with few of them); ``histogram``: counts on bin edges."""
        self.feature_type = feature_type
        self._size = int(size)
        self._sorted: Floats | None = None
        self._std: float | None = None
        self._distinct: Values | None = None
        self._counts: Counts | None = None
        self._n_unique: int | None = None
        self._extremes = extremes if self._size else None
        self.histogram = histogram
        if tally is not None:
            distinct, counts = tally
            if feature_type is FeatureType.NUMERICAL:
                order = np.argsort(distinct.astype(np.float64), kind="stable")
                distinct, counts = distinct.astype(np.float64)[order], counts[order]
            self._distinct, self._counts = distinct, counts.astype(np.int64)
            if int(self._counts.sum()) != self._size:
                raise ValueError("the tally does not add up to the size")

    @property
    def values(self) -> Values:  # type: ignore[override]
        raise TypeError("a counted sample holds counts only, not the values themselves")

    @property
    def size(self) -> int:
        return self._size

    @property
    def has_sorted(self) -> bool:
        return False

    @property
    def has_tally(self) -> bool:
        return self._distinct is not None

    @property
    def n_unique(self) -> int:
        if self._distinct is None:
            raise TypeError("the distinct values of this window were not counted")
        return int(self._distinct.size)

    def _count(self) -> None:
        raise TypeError("the distinct values of this window were not counted")

    def _floats(self) -> Floats:
        raise TypeError("a counted sample holds counts only, not the values themselves")

    def _min_max(self) -> tuple[float, float]:
        if self._extremes is None:
            raise ValueError("an empty sample has no minimum or maximum")
        return self._extremes

    def bin_counts(self, edges: Floats) -> Floats:
        """Counts on ``edges`` (see :meth:`Histogram.on`), from the histogram or the tally."""
        if self.histogram is not None:
            return self.histogram.on(edges)
        if self._distinct is not None and self._counts is not None and self.is_numerical:
            ordered = self._distinct.astype(np.float64)
            cumulative: Floats = np.concatenate(
                (np.zeros(1), np.cumsum(self._counts).astype(np.float64))
            )
            ends = np.concatenate(
                (
                    ordered.searchsorted(edges[:-1], "left"),
                    ordered.searchsorted(edges[-1:], "right"),
                )
            )
            out: Floats = np.diff(cumulative[ends]).astype(np.float64)
            return out
        raise TypeError("no histogram of this window was counted")
