"""Counts of raw arrays computed with numpy, as the database returns them in aggregate mode."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from monitor.stats import FeatureType
from monitor.stats.counted import CountedSample, Histogram


def histogram(values: np.ndarray[Any, Any], edges: np.ndarray[Any, Any]) -> Histogram:
    """Bin ``j`` holds the values with ``j`` edges at or below them, with its min and max."""
    index = np.searchsorted(edges, values, side="right")
    size = edges.size + 1
    counts = np.bincount(index, minlength=size).astype(np.float64)
    low, high = np.full(size, np.nan), np.full(size, np.nan)
    for j in np.unique(index):
        inside = values[index == j]
        low[j], high[j] = inside.min(), inside.max()
    return Histogram(np.asarray(edges, dtype=np.float64), counts, low, high)


def counted_numbers(values: np.ndarray[Any, Any], edges: np.ndarray[Any, Any]) -> CountedSample:
    return CountedSample(
        FeatureType.NUMERICAL,
        values.size,
        extremes=(float(values.min()), float(values.max())),
        histogram=histogram(values, edges),
    )


def counted_tally(values: list[Any], feature_type: FeatureType) -> CountedSample:
    tally = Counter(values)
    distinct = np.empty(len(tally), dtype=object)
    distinct[:] = list(tally)
    counts = np.array(list(tally.values()), dtype=np.int64)
    if feature_type is FeatureType.NUMERICAL:
        distinct = distinct.astype(np.float64)
    return CountedSample(
        feature_type,
        len(values),
        extremes=(float(min(values)), float(max(values)))
        if feature_type is FeatureType.NUMERICAL
        else None,
        tally=(distinct, counts),
    )
