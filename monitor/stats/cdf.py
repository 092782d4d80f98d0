"""Empirical CDFs of two sorted samples on their merged support.

Kolmogorov-Smirnov, Wasserstein and energy distance all walk the merged,
sorted values of both windows and compare the two empirical CDFs there. scipy
sorts both samples and then searches every merged value in each of them; with
the samples already sorted (the reference once, in its profile) a stable merge
and a running count give the same CDF values in one pass.

At a value repeated in the merge only the last position of the run carries the
true CDF (``ends`` marks those); the earlier positions are followed by a zero
gap, so integrals over the gaps come out exactly as scipy computes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from monitor.stats.base import Floats

Ints = npt.NDArray[np.intp]


@dataclass(frozen=True)
class MergedCdf:
    values: Floats
    """Both samples' values, ascending."""
    u_below: Ints
    """How many values of the first sample sit at or before each position."""
    v_below: Ints
    """How many values of the second sample sit at or before each position."""
    u_size: int
    v_size: int

    @property
    def gaps(self) -> Floats:
        """Distance from each merged value to the next."""
        gaps: Floats = np.diff(self.values)
        return gaps

    @property
    def ends(self) -> npt.NDArray[np.bool_]:
        """Positions where a run of equal values ends (where the CDFs are exact)."""
        ends = np.ones(self.values.size, dtype=bool)
        ends[:-1] = self.values[1:] != self.values[:-1]
        return ends

    def u_cdf(self) -> Floats:
        cdf: Floats = self.u_below / self.u_size
        return cdf

    def v_cdf(self) -> Floats:
        cdf: Floats = self.v_below / self.v_size
        return cdf


def merge_sorted(u_sorted: Floats, v_sorted: Floats) -> MergedCdf:
    """Merge two ascending samples, keeping which sample each value came from."""
    both = np.concatenate((u_sorted, v_sorted))
    order = np.argsort(both, kind="stable")
    u_below = np.cumsum(order < u_sorted.size, dtype=np.intp)
    v_below = np.arange(1, both.size + 1, dtype=np.intp) - u_below
    return MergedCdf(both[order], u_below, v_below, int(u_sorted.size), int(v_sorted.size))


def cdf_distance(u_sorted: Floats, v_sorted: Floats, power: int) -> float:
    """scipy's ``_cdf_distance`` for ``power`` 1 (Wasserstein) or 2 (before the
    factor √2 of the energy distance), on sorted samples."""
    merged = merge_sorted(u_sorted, v_sorted)
    difference = merged.u_cdf()[:-1] - merged.v_cdf()[:-1]
    if power == 1:
        return float(np.vecdot(np.abs(difference), merged.gaps))
    if power == 2:
        return float(np.sqrt(np.vecdot(np.square(difference), merged.gaps)))
    raise ValueError(f"power must be 1 or 2, got {power}")
