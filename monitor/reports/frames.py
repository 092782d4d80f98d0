"""The report's input frames, typed exactly as driftwarden typed the columns it tested.

Numerical columns become float64 (NaN where missing or infinite) and categorical
ones text (``canonical_label``: ``1``, ``1.0`` and ``true`` all read ``"1"``;
None where missing), so Evidently sees the very values the drift tests saw.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
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
            out[name] = pd.Series(_labels(series), dtype="object")
    return pd.DataFrame(out, index=pd.RangeIndex(len(raw)))


def _labels(series: pd.Series) -> npt.NDArray[np.object_]:
    """``canonical_label`` of every value, computed once per distinct value.

    Values that compare equal (``1``, ``1.0``, ``True``) share one label anyway,
    so labelling the distinct values and spreading them back gives the same
    result as labelling each row, at the cost of a hash per row.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    labels = np.array([canonical_label(v) for v in uniques] + [None], dtype=object)
    out: npt.NDArray[np.object_] = labels[codes]  # code -1 (missing) picks the None
    return out


def present(frame: pd.DataFrame, column: str) -> int:
    """Non-missing values of a typed column."""
    return int(frame[column].notna().sum())
