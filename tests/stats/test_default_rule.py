"""The default test for a column agrees with Evidently's ``_get_default_stattest``."""

from __future__ import annotations

import pytest

from monitor.stats import FeatureType, Sample, build_registry, distinct_values
from monitor.stats.registry import FEW_UNIQUE
from tests.stats.evidently_oracle import evidently_default_name

REGISTRY = build_registry()


def _windows(rows: int, n_unique: int, kind: FeatureType) -> tuple[list[object], list[object]]:
    """A reference of ``rows`` values and a current window of 50, with exactly
    ``n_unique`` distinct values over both together."""
    values: list[object] = [float(i) * 1.5 for i in range(n_unique)]
    if kind is FeatureType.CATEGORICAL:
        values = [f"v{i}" for i in range(n_unique)]
    in_reference = values[: max(1, min(n_unique, rows))]
    reference = [in_reference[i % len(in_reference)] for i in range(rows)]
    current = [values[i % n_unique] for i in range(max(50, n_unique))]
    return reference, current


@pytest.mark.parametrize("kind", [FeatureType.NUMERICAL, FeatureType.CATEGORICAL])
@pytest.mark.parametrize("rows", [1, 500, 999, 1000, 1001, 3000])
@pytest.mark.parametrize("n_unique", [1, 2, 3, 5, 6, 21, 40])
def test_default_test_matches_evidently(kind: FeatureType, rows: int, n_unique: int) -> None:
    reference, current = _windows(rows, n_unique, kind)
    make = Sample.numerical if kind is FeatureType.NUMERICAL else Sample.categorical
    ref, cur = make(reference), make(current)
    counted = distinct_values(ref, cur, cap=FEW_UNIQUE)
    ours = REGISTRY.default_for(kind, ref.size, counted)
    assert ours.name == evidently_default_name(reference, current, kind)


def test_distinct_values_is_exact_up_to_the_cap() -> None:
    ref = Sample.numerical([1.0, 2.0, 2.0])
    cur = Sample.numerical([2.0, 3.0, 4.0])
    assert distinct_values(ref, cur) == 4
    assert distinct_values(ref, cur, cap=5) == 4
    many = Sample.numerical([float(i) for i in range(10)])
    assert distinct_values(many, cur, cap=5) > 5
    assert distinct_values(ref, many, cap=5) > 5
    assert distinct_values(many, cur) == 10
    cats = Sample.categorical(["a", "b"])
    assert distinct_values(cats, Sample.categorical(["b", "c"])) == 3


def test_large_reference_does_not_touch_the_current_window() -> None:
    """Past five distinct reference values the current window need not be sorted."""
    ref = Sample.numerical([float(i) for i in range(2000)])
    cur = Sample.numerical([0.5] * 10)
    REGISTRY.default_for(FeatureType.NUMERICAL, ref.size, distinct_values(ref, cur, cap=FEW_UNIQUE))
    assert not cur.has_sorted
