"""PCA reconstruction error: drift in how the features move together.

NannyML's data reconstruction method, step by step (all fitted on the reference):

1. Missing values: numerical columns take the reference mean, categorical ones
   the reference's most frequent category.
2. Categorical columns become the share of reference rows holding that category
   (NannyML's ``CountEncoder(normalize=True)``); a category the reference never
   holds becomes 0.
3. Every column is standardised (mean 0, standard deviation 1; a constant
   column is only centred).
4. PCA keeps the fewest components explaining more than ``variance`` (0.65) of
   the variance.
5. A row's error is the Euclidean distance between it and its reconstruction
   from those components; a window's score is the mean error of its rows.

A change in the correlations moves rows off the reference's principal
subspace, so the error rises even when no single column changed.

Band: the reference's own rows are cut into chunks and the band is the mean of
the chunks' scores ± ``multiplier`` standard deviations (NannyML's
``StandardDeviationThreshold``; a lower edge at or below 0 is dropped). The
chunks have the current window's row count, so their scores vary as much as the
current window's does by chance; when the reference is too short for
``min_chunks`` such chunks, it is cut into ``min_chunks`` equal chunks and the
spread is rescaled by sqrt(chunk rows / current rows), the ratio of the standard
errors of the two means. Drift is a score strictly outside the band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from monitor.checks.table import (
    FeatureTable,
    FloatArray,
    category_counts,
    exponents,
    fill_categories,
    most_frequent,
    numerical_fill,
)

ROUNDING = 1e-10
"""Errors below this many standard deviations are rounding noise of an exact
reconstruction and count as 0; otherwise a reference the components reproduce
exactly would give a band as narrow as that noise, breached at random."""


@dataclass(frozen=True)
class ReconstructionModel:
    """Everything fitted on the reference."""

    fills: dict[str, float]
    category_fills: dict[str, str]
    frequencies: dict[str, dict[str, float]]
    exponents: npt.NDArray[np.int_]
    """Powers of two each column is divided by before scaling (see :func:`exponents`)."""
    mean: FloatArray
    scale: FloatArray
    center: FloatArray
    components: FloatArray
    """Kept principal axes, one per row (k × columns)."""
    explained: float
    """Share of the reference's variance the kept components explain."""

    def encode(self, table: FeatureTable) -> FloatArray:
        """Impute, encode and standardise a window: one row per table row."""
        parts = [
            np.where(np.isnan(table.numerical[name]), fill, table.numerical[name])
            for name, fill in self.fills.items()
        ]
        for name, fill in self.category_fills.items():
            frequency = self.frequencies[name]
            filled = fill_categories(table.categorical[name], fill)
            parts.append(np.array([frequency.get(v, 0.0) for v in filled.tolist()], dtype=float))
        matrix = np.column_stack(parts) if parts else np.empty((table.rows, 0))
        with np.errstate(over="ignore", invalid="ignore"):
            scaled: FloatArray = (np.ldexp(matrix, -self.exponents) - self.mean) / self.scale
        return scaled

    def errors(self, table: FeatureTable) -> FloatArray:
        """Each row's Euclidean distance to its reconstruction.

        A current value far beyond anything in the reference (e.g. 1e308 against
        values near 1) can make a distance infinite: the score is then infinite
        and outside any band.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            centred = self.encode(table) - self.center
            residual = centred - (centred @ self.components.T) @ self.components
            distances: FloatArray = np.linalg.norm(residual, axis=1)
        distances[np.isnan(distances)] = np.inf
        distances[distances < ROUNDING] = 0.0
        return distances

    @property
    def n_components(self) -> int:
        return int(self.components.shape[0])


def fit(reference: FeatureTable, variance: float) -> ReconstructionModel:
    """Fit imputation, encoding, scaling and PCA on the reference (at least 2 rows)."""
    if reference.rows < 2:
        raise ValueError(f"the reference needs at least 2 rows; it has {reference.rows}")
    fills = {name: numerical_fill(values) for name, values in reference.numerical.items()}
    category_fills: dict[str, str] = {}
    frequencies: dict[str, dict[str, float]] = {}
    for name, values in reference.categorical.items():
        fill = most_frequent(category_counts(values))
        filled = fill_categories(values, fill)
        counts = category_counts(filled)
        category_fills[name] = fill
        frequencies[name] = {k: n / reference.rows for k, n in counts.items()}
    unscaled = ReconstructionModel(
        fills=fills,
        category_fills=category_fills,
        frequencies=frequencies,
        exponents=np.zeros(reference.width, dtype=np.int_),
        mean=np.zeros(reference.width),
        scale=np.ones(reference.width),
        center=np.zeros(reference.width),
        components=np.empty((0, reference.width)),
        explained=0.0,
    )
    raw = unscaled.encode(reference)
    shifts = exponents(raw)
    matrix = np.ldexp(raw, -shifts)
    mean = matrix.mean(axis=0)
    spread = np.ptp(matrix, axis=0)
    # a constant column is only centred, in its own units
    scale = np.where(spread > 0, matrix.std(axis=0), np.ldexp(1.0, -shifts))
    scaled = (matrix - mean) / scale
    center = scaled.mean(axis=0)
    components, explained = _principal_axes(scaled - center, variance)
    return ReconstructionModel(
        fills=fills,
        category_fills=category_fills,
        frequencies=frequencies,
        exponents=shifts,
        mean=mean,
        scale=scale,
        center=center,
        components=components,
        explained=explained,
    )


def _principal_axes(centred: FloatArray, variance: float) -> tuple[FloatArray, float]:
    """The fewest principal axes whose explained variance ratio sums to more than ``variance``.

    From the eigen-decomposition of the covariance matrix (columns × columns),
    so the cost grows with rows only through one matrix product.
    """
    rows, width = centred.shape
    covariance = centred.T @ centred / (rows - 1)
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues = np.clip(eigenvalues[order], 0.0, None)
    eigenvectors = eigenvectors[:, order]
    total = float(eigenvalues.sum())
    if total <= 0:
        return np.empty((0, width)), 0.0
    cumulative = np.cumsum(eigenvalues / total)
    keep = min(int(np.searchsorted(cumulative, variance, side="right")) + 1, width)
    axes: FloatArray = np.ascontiguousarray(eigenvectors[:, :keep].T)
    return axes, float(cumulative[keep - 1])


def chunk_band(
    reference_errors: FloatArray,
    current_rows: int,
    *,
    min_chunks: int,
    multiplier: float,
) -> tuple[float | None, float]:
    """Lower (None when at or below 0) and upper edge of the band for a window of
    ``current_rows`` rows, from the reference rows' errors in their stored order."""
    if current_rows < 1:
        raise ValueError("the current window has no rows")
    n = reference_errors.size
    if n < min_chunks:
        raise ValueError(f"the reference needs at least {min_chunks} rows; it has {n}")
    full_chunks = n // current_rows
    if full_chunks >= min_chunks:
        used = reference_errors[: full_chunks * current_rows]
        means = used.reshape(full_chunks, current_rows).mean(axis=1)
        rescale = 1.0
    else:
        chunks = np.array_split(reference_errors, min_chunks)
        means = np.array([chunk.mean() for chunk in chunks])
        rescale = float(np.sqrt(n / min_chunks / current_rows))
    center = float(np.mean(means))
    spread = float(np.std(means)) * rescale
    lower = center - multiplier * spread
    return (lower if lower > 0 else None), center + multiplier * spread


def outside(score: float, lower: float | None, upper: float) -> bool:
    return score > upper or (lower is not None and score < lower)
