"""The report's input frames, typed exactly as driftwarden typed the columns it tested.

Numerical columns become float64 (NaN where missing or infinite) and categorical
ones text (``canonical_label``: ``1``, ``1.0`` and ``true`` all read ``"1"``;
None where missing), so Evidently sees the very values the drift tests saw.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from monitor.columns import canonical_label, float_array
from monitor.stats import FeatureType


def typed_frame(
    raw: pd.DataFrame,
    columns: Sequence[tuple[str, FeatureType]],
    *,
    monitor: str,
    window: str,
) -> pd.DataFrame:
    """Only ``columns``, in that order, each typed by its feature type."""
    out: dict[str, pd.Series] = {}
    for name, kind in columns:
        series = raw[name]
        if kind is FeatureType.NUMERICAL:
            values = float_array(series, column=name, monitor=monitor, window=window)
            out[name] = pd.Series(values, dtype="float64")
        else:
            labels = [canonical_label(v) for v in series.tolist()]
            out[name] = pd.Series(labels, dtype="object")
    return pd.DataFrame(out, index=pd.RangeIndex(len(raw)))


def present(frame: pd.DataFrame, column: str) -> int:
    """Non-missing values of a typed column."""
    return int(frame[column].notna().sum())
