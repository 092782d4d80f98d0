"""Seeded feature tables shared by the multivariate tests (numpy only, so the
script that computes NannyML's figures can import it in another environment)."""

from __future__ import annotations

import numpy as np

from monitor.checks.table import FeatureTable


def correlated(seed: int, rows: int, *, shift: float = 0.0, flip: bool = False) -> FeatureTable:
    """Four numerical columns (``b`` follows ``a``) and one categorical, with missing values.

    ``shift`` moves ``b``; ``flip`` reverses the sign of its tie to ``a``, which
    leaves every column's own distribution as it was.
    """
    rng = np.random.default_rng(seed)
    a = rng.normal(size=rows)
    b = (-0.8 if flip else 0.8) * a + rng.normal(scale=0.6, size=rows) + shift
    c = rng.exponential(size=rows)
    d = rng.normal(size=rows)
    cat = rng.choice(["x", "y", "z", "w"], p=[0.4, 0.3, 0.2, 0.1], size=rows).astype(object)
    a[rng.random(rows) < 0.05] = np.nan
    cat[rng.random(rows) < 0.05] = None
    return FeatureTable({"a": a, "b": b, "c": c, "d": d}, {"cat": cat})
