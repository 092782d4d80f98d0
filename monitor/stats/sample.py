"""One window's values of one column, prepared once for every drift test.

Fit once, calculate often: the arrays the tests derive from a window (sorted
values, distinct values and their counts, standard deviation, extremes) are
computed on first use and kept on the :class:`Sample`. A reference sample lives
in the cached reference profile, so its preparation is paid once and every
later run reuses it; a current sample is prepared once per run and shared by
whatever the run asks of it.

Concurrent first use may compute an array twice; both results are equal, so
the race is harmless and no lock is taken.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from monitor.stats.base import Counts, FeatureType, Floats, Values


class Sample:
    """The non-missing values of one column in one window.

    Numerical values are float64 and finite; categorical values are any
    hashable, orderable objects (driftwarden passes text).
    """

    def __init__(
        self,
        values: Values,
        feature_type: FeatureType,
        *,
        tally: tuple[Values, Counts] | None = None,
    ) -> None:
        """``tally``: for a categorical sample, its distinct values in order of
        first appearance and their counts, when the caller counted them already."""
        if values.ndim != 1:
            raise ValueError(f"a sample is one-dimensional, got shape {values.shape}")
        if feature_type is FeatureType.NUMERICAL:
            values = np.asarray(values, dtype=np.float64)
        self.values: Values = values
        """The values in their original order (permutation tests depend on it)."""
        self.feature_type = feature_type
        self._sorted: Floats | None = None
        self._std: float | None = None
        self._distinct: Values | None = None
        self._counts: Counts | None = None
        self._n_unique: int | None = None
        self._extremes: tuple[float, float] | None = None
        if tally is not None:
            if feature_type is FeatureType.NUMERICAL:
                raise ValueError("a tally is taken for categorical samples only")
            self._distinct, self._counts = tally

    @classmethod
    def numerical(cls, values: Any) -> Sample:
        return cls(np.asarray(values, dtype=np.float64), FeatureType.NUMERICAL)

    @classmethod
    def categorical(cls, values: Any) -> Sample:
        array = np.empty(len(values), dtype=object)
        array[:] = list(values)
        return cls(array, FeatureType.CATEGORICAL)

    @property
    def size(self) -> int:
        return int(self.values.size)

    @property
    def is_numerical(self) -> bool:
        return self.feature_type is FeatureType.NUMERICAL

    @property
    def floats(self) -> Floats:
        """The numerical values in their original order, typed as float64."""
        return self._floats()

    @property
    def has_sorted(self) -> bool:
        """Whether the sorted values are already at hand."""
        return self._sorted is not None

    @property
    def sorted(self) -> Floats:
        """The numerical values in ascending order."""
        if self._sorted is None:
            self._sorted = np.sort(self._floats())
        return self._sorted

    @property
    def std(self) -> float:
        """Population standard deviation (ddof 0) of the values in their original order."""
        if self._std is None:
            floats = self._floats()
            self._std = float(np.std(floats)) if floats.size else float("nan")
        return self._std

    @property
    def minimum(self) -> float:
        return self._min_max()[0]

    @property
    def maximum(self) -> float:
        return self._min_max()[1]

    @property
    def magnitude(self) -> float:
        """The largest absolute value (0 for an empty sample)."""
        if self.size == 0:
            return 0.0
        low, high = self._min_max()
        return max(abs(low), abs(high))

    @property
    def distinct(self) -> Values:
        """Distinct values: ascending for numbers, in order of first appearance otherwise."""
        if self._distinct is None:
            self._count()
        assert self._distinct is not None
        return self._distinct

    @property
    def counts(self) -> Counts:
        """How often each of :attr:`distinct` occurs."""
        if self._counts is None:
            self._count()
        assert self._counts is not None
        return self._counts

    @property
    def n_unique(self) -> int:
        """How many distinct values (for numbers, counted on the sorted values
        without building :attr:`distinct`)."""
        if self._n_unique is None:
            if self._distinct is not None or not self.is_numerical:
                self._n_unique = int(self.distinct.size)
            else:
                ordered = self.sorted
                changes = np.count_nonzero(ordered[1:] != ordered[:-1])
                self._n_unique = int(changes) + 1 if ordered.size else 0
        return self._n_unique

    def prepare(self) -> Sample:
        """Compute now what the tests will ask for (sorted values, spread and
        number of distinct values for numbers, category counts otherwise), e.g.
        while building a reference profile."""
        if self.size == 0:
            return self
        if self.is_numerical:
            self._std = self.std
            self._n_unique = self.n_unique
        else:
            self._counts = self.counts
        return self

    def _floats(self) -> Floats:
        if not self.is_numerical:
            raise TypeError("sorted values and spread are defined for numerical samples only")
        floats: Floats = self.values.astype(np.float64, copy=False)
        return floats

    def _min_max(self) -> tuple[float, float]:
        if self._extremes is None:
            if self.size == 0:
                raise ValueError("an empty sample has no minimum or maximum")
            if self._sorted is not None:
                self._extremes = (float(self._sorted[0]), float(self._sorted[-1]))
            else:
                floats = self._floats()
                self._extremes = (float(floats.min()), float(floats.max()))
        return self._extremes

    def _count(self) -> None:
        if self.is_numerical:
            ordered = self.sorted
            if ordered.size == 0:
                self._distinct, self._counts = ordered, np.zeros(0, dtype=np.int64)
                return
            starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
            self._distinct = ordered[starts]
            self._counts = np.diff(np.append(starts, ordered.size)).astype(np.int64)
            return
        tally: Counter[Any] = Counter(self.values)
        distinct = np.empty(len(tally), dtype=object)
        distinct[:] = list(tally)
        self._distinct = distinct
        self._counts = np.fromiter(tally.values(), dtype=np.int64, count=len(tally))


def distinct_values(reference: Sample, current: Sample, *, cap: int | None = None) -> int:
    """Distinct values over both windows together.

    With ``cap``, counting may stop once either window alone has more than
    ``cap`` distinct values; the number returned is then that window's count
    (still above ``cap``), which is all the default-test rule needs.
    """
    if cap is not None:
        if reference.n_unique > cap:
            return reference.n_unique
        if current.n_unique > cap:
            return current.n_unique
    if reference.is_numerical and current.is_numerical:
        return int(np.union1d(reference.distinct, current.distinct).size)
    return len(set(reference.distinct.tolist()) | set(current.distinct.tolist()))
