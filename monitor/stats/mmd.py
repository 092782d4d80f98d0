"""Empirical maximum mean discrepancy with a permutation p-value (``empirical_mmd``)."""

from __future__ import annotations

import numpy as np

from monitor.stats.base import Comparison, FeatureType, Floats, ScoreKind, StatTest
from monitor.stats.sample import Sample
from monitor.stats.scaling import safe_scale

PERMUTATIONS = 100
SEED = 0
"""Evidently permutes with numpy's global generator, unseeded; driftwarden uses its
own generator seeded with this, so a run is repeatable. Seeding numpy's global
generator with the same number makes Evidently draw the same permutations."""
MAX_ROWS = 2000
"""Per window. The kernel matrix grows with the square of the windows; larger
windows are tested on a seeded random subsample of this many rows."""
BLOCK_ROWS = 512
"""Kernel rows computed at a time, to bound memory."""


def mmd_p_value(reference: Sample, current: Sample) -> float:
    """Share of 100 random re-splits of the pooled values whose MMD is at least
    the observed MMD (RBF kernel, width from the median heuristic on reference
    pairs, unbiased within-sample terms), as Evidently defines it.

    Evidently permutes the full kernel matrix each time; the same sums come
    from one product of the kernel with the 0/1 membership vectors of all
    re-splits, computed block by block.
    """
    x = _limited(reference.floats)
    y = _limited(current.floats)
    # Extreme values are brought near 1 by an exact power of two: every product
    # below then scales exactly, so the kernel (and the p-value) is bit for bit
    # that of the same data at ordinary magnitude, and x² cannot overflow.
    scale = safe_scale(reference, current)
    if scale != 1.0:
        x, y = x * scale, y * scale
    gamma = _gamma(x)
    pooled = np.concatenate((x, y))
    nx, ny, n = x.size, y.size, pooled.size
    rng = np.random.RandomState(SEED)
    membership = np.zeros((n, PERMUTATIONS + 2), dtype=np.float64)
    membership[:nx, 0] = 1.0  # the observed split
    for p in range(PERMUTATIONS):
        membership[rng.permutation(n)[:nx], p + 1] = 1.0
    membership[:, -1] = 1.0  # row sums
    products = np.empty_like(membership)
    for start in range(0, n, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n)
        products[start:stop] = _kernel_rows(pooled, nx, start, stop, gamma) @ membership
    splits, row_sums = membership[:, :-1], products[:, -1]
    within_x = np.einsum("ij,ij->j", splits, products[:, :-1])
    between = products[:, :-1].sum(axis=0) - within_x
    within_y = (1.0 - splits).T @ row_sums - between
    a = 1 / (nx * (nx - 1))
    b = 1 / (ny * (ny - 1))
    mmd = a * within_x + b * within_y - 2.0 * (between / (nx * ny))
    return float(np.mean(mmd[0] <= mmd[1:]))


def _limited(floats: Floats) -> Floats:
    if floats.size <= MAX_ROWS:
        return floats
    keep = np.sort(np.random.RandomState(SEED).choice(floats.size, MAX_ROWS, replace=False))
    return floats[keep]


def _squared_distances(rows: Floats, columns: Floats) -> Floats:
    """(column² − 2·row·column) + row², Evidently's expanded form (safe: callers
    rescale values beyond ~1e120 first)."""
    distances: Floats = (columns**2)[None, :] - 2 * np.outer(rows, columns) + (rows**2)[:, None]
    return distances


def _gamma(x: Floats) -> float:
    """1 / (2σ²), σ² half the median squared distance between reference values
    (σ² = ½ when that median is 0)."""
    median = float(np.percentile(_squared_distances(x, x), 50, method="nearest"))
    sigma = (0.5 * median) ** 0.5
    if sigma == 0:
        sigma = (0.5 * 1) ** 0.5
    return float(1.0 / (2.0 * sigma**2))


def _kernel_rows(pooled: Floats, nx: int, start: int, stop: int, gamma: float) -> Floats:
    """Rows ``start:stop`` of the kernel matrix with its diagonal set to 0.

    Evidently fills the current-by-reference block with the transpose of the
    reference-by-current block; the same arithmetic is kept here.
    """
    rows = pooled[start:stop]
    distances = _squared_distances(rows, pooled)
    current_rows = np.arange(start, stop) >= nx
    if current_rows.any():
        swapped = _squared_distances(pooled[:nx], rows[current_rows]).T
        distances[current_rows, :nx] = swapped
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        kernel: Floats = np.exp(-gamma * distances)
    kernel[np.isnan(kernel)] = 1.0  # 0 · inf: an infinite σ makes the kernel 1 everywhere
    kernel[np.arange(stop - start), np.arange(start, stop)] = 0.0
    return kernel


EMPIRICAL_MMD = StatTest(
    name="empirical_mmd",
    display_name="empirical_mmd",
    feature_types=frozenset({FeatureType.NUMERICAL}),
    score_kind=ScoreKind.P_VALUE,
    default_threshold=0.1,
    comparison=Comparison.LT,
    func=mmd_p_value,
    evidently_name="empirical_mmd",
    min_size=2,
    note="Needs two values per window (Evidently divides by zero below). Permutations "
    "come from a generator seeded with 0 (Evidently: numpy's unseeded global one). "
    "Windows over 2000 rows are tested on a seeded subsample of 2000 (Evidently builds "
    "the full kernel matrix, (rows of both windows)² × 8 bytes several times over). "
    "Values beyond ~1e120 (or all below ~1e-120) are rescaled by a power of two (the "
    "median-width kernel is scale-free, and the rescaled arithmetic is exact), where "
    "Evidently's x² - 2xy + y² turns into NaN.",
)
