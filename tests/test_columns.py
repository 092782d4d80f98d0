from __future__ import annotations

import math
from collections import Counter
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.columns import canonical_label, categorical, infer_feature_type, numerical
from monitor.errors import DataError
from monitor.stats import FeatureType


def typed(values: list[object]) -> tuple[list[float], int]:
    column = numerical(
        pd.Series(values, dtype=object), column="amount", monitor="m", window="current"
    )
    return column.values.tolist(), column.missing


def test_numerical_drops_null_nan_and_infinities_as_missing() -> None:
    assert typed([1, None, 2.5, math.nan, math.inf, -math.inf, Decimal("3.25")]) == (
        [1.0, 2.5, 3.25],
        4,
    )


def test_numeric_text_and_booleans_are_numbers() -> None:
    assert typed(["1.5", " 2 ", True, False]) == ([1.5, 2.0, 1.0, 0.0], 0)


def test_text_in_numerical_column_names_monitor_column_window() -> None:
    with pytest.raises(DataError) as caught:
        typed([1.0, "abc", 2.0, "n/a"])
    message = str(caught.value)
    assert "monitor 'm'" in message
    assert "'amount'" in message
    assert "current window" in message
    assert "2 non-numeric" in message
    assert "'abc'" in message


def test_extreme_values_survive() -> None:
    assert typed([1e308, -1e308]) == ([1e308, -1e308], 0)


def test_categorical_canonical_text() -> None:
    column = categorical(pd.Series([1, 1.0, "1", True, None, math.nan, "b", 2.5], name="c"))
    assert column.values.tolist() == ["1", "1", "1", "1", "b", "2.5"]
    assert column.missing == 2


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_integer_labels_agree_across_storage(value: int) -> None:
    assert (
        canonical_label(value) == canonical_label(float(value)) == canonical_label(np.int64(value))
    )
    assert canonical_label(value) == str(value)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2, 3], FeatureType.NUMERICAL),
        ([1.5, None, 2.0], FeatureType.NUMERICAL),
        ([Decimal("1.1"), Decimal("2")], FeatureType.NUMERICAL),
        (["a", "b"], FeatureType.CATEGORICAL),
        ([True, False], FeatureType.CATEGORICAL),
        (["1", "2"], FeatureType.CATEGORICAL),
    ],
)
def test_infer_feature_type(values: list[object], expected: FeatureType) -> None:
    assert infer_feature_type(pd.Series(values)) is expected
    assert infer_feature_type(pd.Series(values, dtype=object)) is expected


@pytest.mark.parametrize(
    "values",
    [
        ["b", "a", None, "b", math.nan, "c"],
        [3, 1, 2, 3],
        np.array([7, 250, 0], dtype=np.uint8),
        [None, None],
        ["x", 1, None],  # mixed: value by value
    ],
)
def test_vectorised_categorical_typing_gives_the_same_labels(values: object) -> None:
    series = pd.Series(values, name="c")
    column = categorical(series)
    labels = [canonical_label(v) for v in series.tolist()]
    assert column.values.tolist() == [label for label in labels if label is not None]
    assert column.missing == sum(label is None for label in labels)
    assert column.values.dtype == object


def test_missing_markers_of_string_columns_are_missing() -> None:
    column = categorical(pd.Series(["a", pd.NA, "b", None], dtype="string", name="c"))
    assert column.values.tolist() == ["a", "b"]
    assert column.missing == 2


@pytest.mark.parametrize(
    "values",
    [["b", "a", None, "b", math.nan, "c"], [3, 1, 2, 3], ["x", "x"], [None]],
)
def test_typing_counts_categories_in_order_of_first_appearance(values: list[object]) -> None:
    column = categorical(pd.Series(values, name="c"))
    counted = Counter(column.values.tolist())
    assert column.tally is not None
    distinct, counts = column.tally
    assert distinct.tolist() == list(counted)
    assert counts.tolist() == list(counted.values())
    sample = column.new_sample()
    assert sample.distinct.tolist() == list(counted) and sample.counts.tolist() == counts.tolist()
