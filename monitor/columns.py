"""Column typing at read time: numerical columns become float64, categorical ones text.

Missing values (NULL, NaN, ±inf) are separated out and counted, never tested.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from monitor.checks.table import FeatureTable, sample_rows
from monitor.errors import DataError
from monitor.stats import FeatureType, Sample


@dataclass(frozen=True)
class TypedColumn:
    """One window's values of one column, missing values removed."""

    name: str
    feature_type: FeatureType
    values: npt.NDArray[Any]
    """float64 for numerical columns, an object array of str for categorical ones."""
    missing: int
    tally: tuple[npt.NDArray[Any], npt.NDArray[np.int64]] | None = None
    """The distinct values in order of first appearance and their counts, when
    typing counted them already (text and integer categories)."""

    @property
    def rows(self) -> int:
        return int(self.values.size) + self.missing

    @property
    def present(self) -> int:
        """Non-missing values."""
        return int(self.values.size)

    def category_counts(self) -> Mapping[object, int]:
        """How often each value occurs."""
        return Counter(self.values.tolist())

    def count_outside(self, low: float, high: float) -> int:
        """Present values below ``low`` or above ``high``."""
        values = self.values.astype(np.float64, copy=False)
        return int(np.count_nonzero((values < low) | (values > high)))

    @cached_property
    def sample(self) -> Sample:
        """The values prepared for the drift tests; what a test derives from them
        (sorted values, counts) is kept here, so a reference column held in a cached
        profile is prepared once for all runs."""
        return self.new_sample()

    def new_sample(self) -> Sample:
        """A sample of these values holding nothing derived yet but the tally."""
        return Sample(self.values, self.feature_type, tally=self.tally)


def distinct_count(column: TypedColumn) -> int:
    """Distinct non-missing values of a column."""
    if column.tally is not None:
        return int(column.tally[0].size)
    return len(set(column.values.tolist()))


def float_array(
    series: pd.Series, *, column: str, monitor: str, window: str
) -> npt.NDArray[np.float64]:
    """Every row as float64, NaN where missing or infinite.

    Text that is not a number is an error naming the monitor, column and window.
    """
    floats: npt.NDArray[np.float64]
    if pd.api.types.is_bool_dtype(series):
        floats = np.asarray(series.to_numpy(), dtype=np.float64)
    elif pd.api.types.is_numeric_dtype(series):
        floats = np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
    else:
        floats = _coerce_objects(series, column=column, monitor=monitor, window=window)
    floats[~np.isfinite(floats)] = np.nan
    return floats


def numerical(series: pd.Series, *, column: str, monitor: str, window: str) -> TypedColumn:
    """float64 values without the missing ones."""
    floats = float_array(series, column=column, monitor=monitor, window=window)
    values = floats[~np.isnan(floats)]
    return TypedColumn(column, FeatureType.NUMERICAL, values, int(floats.size - values.size))


def categorical(series: pd.Series) -> TypedColumn:
    """Text categories; integral numbers print without a decimal point (``1.0`` → ``"1"``).

    Columns holding only text (and missing markers), or plain integers, take a
    vectorised path with the same labels that also counts each category;
    anything else goes value by value.
    """
    fast = _categorical_fast(series)
    if fast is not None:
        return fast
    labels = [canonical_label(v) for v in series.tolist()]
    present = [label for label in labels if label is not None]
    values = np.array(present, dtype=object)
    return TypedColumn(
        str(series.name), FeatureType.CATEGORICAL, values, len(labels) - len(present)
    )


def _categorical_fast(series: pd.Series) -> TypedColumn | None:
    integers = series.dtype.kind in "iu"
    if not integers and series.dtype.kind != "O" and not pd.api.types.is_string_dtype(series):
        return None
    codes, found = pd.factorize(series, use_na_sentinel=True)
    if integers:
        distinct = np.asarray(found).astype(str).astype(object)
    else:
        distinct = np.asarray(found, dtype=object)
        if not all(isinstance(value, str) for value in distinct.tolist()):
            return None
    present = codes >= 0
    codes = codes[present]
    counts = np.bincount(codes, minlength=distinct.size).astype(np.int64)
    return TypedColumn(
        str(series.name),
        FeatureType.CATEGORICAL,
        distinct[codes],
        int(present.size - codes.size),
        tally=(distinct, counts),
    )


def canonical_label(value: Any) -> str | None:
    """The text form of a category or class label, or None when it is missing.

    Booleans become ``"0"``/``"1"`` and integral floats lose their ``.0``, so a
    label stored as ``1``, ``1.0`` or ``true`` in different tables compares equal.
    """
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, float | np.floating | Decimal):
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            return None
        if number.is_integer():
            return str(int(number))
        return repr(number)
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    text = str(value)
    return text


def infer_feature_type(series: pd.Series) -> FeatureType:
    """Numbers (not booleans) are numerical; everything else is categorical."""
    if pd.api.types.is_bool_dtype(series):
        return FeatureType.CATEGORICAL
    if pd.api.types.is_numeric_dtype(series):
        return FeatureType.NUMERICAL
    sample = [v for v in series.tolist() if v is not None][:1000]
    if sample and all(
        isinstance(v, int | float | Decimal | np.integer | np.floating)
        and not isinstance(v, bool | np.bool_)
        for v in sample
    ):
        return FeatureType.NUMERICAL
    return FeatureType.CATEGORICAL


def _coerce_objects(
    series: pd.Series, *, column: str, monitor: str, window: str
) -> npt.NDArray[np.float64]:
    raw = series.tolist()
    out = np.empty(len(raw), dtype=np.float64)
    bad: list[Any] = []
    bad_count = 0
    for i, value in enumerate(raw):
        number = _to_float(value)
        if number is None and value is not None and not _is_nan(value):
            bad_count += 1
            if len(bad) < 3:
                bad.append(value)
            number = math.nan
        out[i] = math.nan if number is None else number
    if bad_count:
        raise DataError(
            f"monitor {monitor!r}: numerical column {column!r} holds {bad_count} non-numeric "
            f"value(s) in the {window} window, e.g. {bad}; expected numbers (declare the column "
            "under 'categorical' if it holds categories)"
        )
    return out


def _to_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool | np.bool_):
        return None if value is None else float(value)
    if isinstance(value, int | float | Decimal | np.integer | np.floating):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def type_columns(
    frame: pd.DataFrame,
    kinds: Sequence[tuple[str, FeatureType]],
    *,
    monitor: str,
    window: str,
) -> dict[str, TypedColumn]:
    out: dict[str, TypedColumn] = {}
    for name, kind in kinds:
        series = frame[name]
        if kind is FeatureType.NUMERICAL:
            out[name] = numerical(series, column=name, monitor=monitor, window=window)
        else:
            out[name] = dataclasses.replace(categorical(series), name=name)
    return out


def row_values(
    series: pd.Series, kind: FeatureType, *, column: str, monitor: str, window: str
) -> npt.NDArray[Any]:
    """Every row kept in place: float64 with NaN, or text with None, where missing."""
    if kind is FeatureType.NUMERICAL:
        return float_array(series, column=column, monitor=monitor, window=window)
    return np.array([canonical_label(v) for v in series.tolist()], dtype=object)


def feature_table(
    frame: pd.DataFrame,
    features: Sequence[tuple[str, FeatureType]],
    *,
    max_rows: int,
    seed: int,
    monitor: str,
    window: str,
) -> FeatureTable:
    """Row-aligned feature columns of a sample of at most ``max_rows`` rows of ``frame``."""
    picked = sample_rows(len(frame), max_rows, seed)
    if picked is not None:
        frame = frame.iloc[picked]
    columns = {
        name: row_values(frame[name], kind, column=name, monitor=monitor, window=window)
        for name, kind in features
    }
    return FeatureTable(
        numerical={n: columns[n] for n, k in features if k is FeatureType.NUMERICAL},
        categorical={n: columns[n] for n, k in features if k is FeatureType.CATEGORICAL},
    )
