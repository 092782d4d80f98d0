"""Multiple-testing correction of a family of p-values.

Adjusted p-values, not adjusted thresholds: each p-value is raised to the level
at which it would still count as significant under the correction, so a
column's verdict stays ``adjusted p <comparison> threshold`` with its own
threshold, and the adjusted value can be stored and graphed beside the raw one.
Both corrections only ever raise a p-value, so a correction can remove a drift
verdict but never add one.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from monitor.config.models import Correction

FloatArray = npt.NDArray[np.float64]


def bonferroni(p_values: FloatArray) -> FloatArray:
    """``min(1, p × m)``: bounds the chance of any false verdict among the m tests."""
    p = np.asarray(p_values, dtype=np.float64)
    adjusted: FloatArray = np.minimum(p * p.size, 1.0)
    return adjusted


def benjamini_hochberg(p_values: FloatArray) -> FloatArray:
    """Benjamini-Hochberg step-up adjusted p-values (they bound the false discovery rate).

    The i-th smallest of m p-values becomes ``min over j >= i of p_(j) × m / j``,
    capped at 1; comparing these to α gives exactly the BH procedure at level α.
    """
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    stepped = np.minimum.accumulate(scaled[::-1])[::-1]
    adjusted = np.empty(m, dtype=np.float64)
    adjusted[order] = np.minimum(stepped, 1.0)
    # m / rank >= 1, so no adjusted value is below its raw one; p * m / m can round
    # a hair below p, which would let a correction add a verdict at the threshold.
    return np.maximum(adjusted, p)


def adjust(p_values: FloatArray, correction: Correction) -> FloatArray:
    """Adjusted p-values of one family; NaN entries are left out of it and stay NaN."""
    p = np.asarray(p_values, dtype=np.float64)
    out = p.copy()
    if correction is Correction.NONE:
        return out
    finite = ~np.isnan(p)
    family = p[finite]
    if correction is Correction.BONFERRONI:
        out[finite] = bonferroni(family)
    else:
        out[finite] = benjamini_hochberg(family)
    return out
