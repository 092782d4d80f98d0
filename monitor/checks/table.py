"""Row-aligned feature columns of one window, for the multivariate checks.

Per-column checks see each column with its missing values removed; the
multivariate checks need whole rows, so here missing values stay in place:
NaN in numerical columns, None in categorical ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]
Indices = npt.NDArray[np.intp]

MISSING_CATEGORY = "\x00missing"
"""Stands for a categorical column's value when the reference has none at all."""


@dataclass(frozen=True)
class FeatureTable:
    numerical: Mapping[str, FloatArray]
    """float64 per row, NaN where missing."""
    categorical: Mapping[str, ObjectArray]
    """str per row, None where missing."""

    def __post_init__(self) -> None:
        lengths = {v.size for v in (*self.numerical.values(), *self.categorical.values())}
        if len(lengths) > 1:
            raise ValueError(f"feature columns differ in length: {sorted(lengths)}")

    @property
    def rows(self) -> int:
        for values in (*self.numerical.values(), *self.categorical.values()):
            return int(values.size)
        return 0

    @property
    def width(self) -> int:
        return len(self.numerical) + len(self.categorical)

    def take(self, rows: Indices) -> FeatureTable:
        return FeatureTable(
            {k: v[rows] for k, v in self.numerical.items()},
            {k: v[rows] for k, v in self.categorical.items()},
        )


def sample_rows(rows: int, max_rows: int, seed: int) -> Indices | None:
    """Sorted indices of a uniform sample of ``max_rows`` rows; None when all rows fit.

    Sorting keeps the rows in their stored order, so chunks of a sampled
    reference are still runs of neighbouring rows.
    """
    if rows <= max_rows:
        return None
    rng = np.random.default_rng(seed)
    picked: Indices = np.sort(rng.choice(rows, size=max_rows, replace=False))
    return picked


def exponents(matrix: FloatArray) -> npt.NDArray[np.int_]:
    """Per column, the power of two that brings its largest magnitude into [0.5, 1).

    Dividing by it (``np.ldexp(x, -e)``) is exact and changes no standardised
    value, but keeps sums of squares of values near ±1e308 from overflowing.
    """
    largest = np.max(np.abs(matrix), axis=0, initial=0.0) if matrix.size else np.zeros(0)
    _, exponent = np.frexp(np.where(np.isfinite(largest), largest, 0.0))
    out: npt.NDArray[np.int_] = exponent.astype(np.int_)
    return out


def mean_and_std(values: FloatArray) -> tuple[float, float]:
    """Mean and population standard deviation of the non-missing values, without
    overflow for values near ±1e308 (0 and 0 when there are none)."""
    present = values[~np.isnan(values)]
    if not present.size:
        return 0.0, 0.0
    exponent = int(exponents(present[:, None])[0])
    shrunk = np.ldexp(present, -exponent)
    return float(np.ldexp(shrunk.mean(), exponent)), float(np.ldexp(shrunk.std(), exponent))


def numerical_fill(values: FloatArray) -> float:
    """The reference mean, standing in for missing values (0 when all are missing)."""
    return mean_and_std(values)[0]


def category_counts(values: ObjectArray) -> Counter[Any]:
    return Counter(v for v in values.tolist() if v is not None)


def most_frequent(counts: Counter[Any]) -> str:
    """The most frequent category, the smallest of those tied (scikit-learn's
    ``SimpleImputer(strategy="most_frequent")``), or a placeholder when there is none."""
    if not counts:
        return MISSING_CATEGORY
    top = max(counts.values())
    return str(min(k for k, n in counts.items() if n == top))


def fill_categories(values: ObjectArray, fill: str) -> ObjectArray:
    out = values.copy()
    out[[v is None for v in values.tolist()]] = fill
    return out
