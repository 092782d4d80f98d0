"""The report's frames hold exactly the values driftwarden's tests saw."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from monitor.columns import canonical_label, float_array
from monitor.reports.frames import typed_frame
from monitor.stats import FeatureType

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=5),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from([1.0, 0.0, -0.0, 2.5, Decimal("1.0"), Decimal("2.5")]),
    st.text(max_size=3),
    st.sampled_from(["1", "1.0", "true", "NZ"]),
)


@given(st.lists(VALUES, max_size=60))
def test_categorical_values_are_canonical_labels(values: list[Any]) -> None:
    series = pd.Series(values, dtype=object)
    frame = typed_frame(
        pd.DataFrame({"c": series}), [("c", FeatureType.CATEGORICAL)], monitor="m", window="w"
    )
    assert frame["c"].tolist() == [canonical_label(v) for v in values]


@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)), max_size=60))
def test_numerical_values_are_driftwardens_floats(values: list[float | None]) -> None:
    raw = pd.DataFrame({"x": pd.Series(values, dtype=object)})
    frame = typed_frame(raw, [("x", FeatureType.NUMERICAL)], monitor="m", window="w")
    expected = float_array(raw["x"], column="x", monitor="m", window="w")
    assert frame["x"].dtype == np.float64
    np.testing.assert_array_equal(frame["x"].to_numpy(), expected)


def test_typed_columns_of_a_bool_and_an_int_column() -> None:
    raw = pd.DataFrame({"b": [True, False, True], "i": [1, 20, 1], "skip": ["x", "y", "z"]})
    frame = typed_frame(
        raw,
        [("b", FeatureType.CATEGORICAL), ("i", FeatureType.CATEGORICAL)],
        monitor="m",
        window="w",
    )
    assert list(frame.columns) == ["b", "i"]
    assert frame["b"].tolist() == ["1", "0", "1"]
    assert frame["i"].tolist() == ["1", "20", "1"]
