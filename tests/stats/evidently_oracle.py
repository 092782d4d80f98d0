"""Evidently 0.7's own drift tests, called the way its column drift calculation calls them.

``get_one_column_drift`` drops missing and infinite values from each window,
picks the test with ``get_stattest`` and calls it with the column type and
threshold; this module does the same, so the numbers are Evidently's. The
import is slow (~8 s) and happens on first use only.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from monitor.stats import FeatureType


@cache
def _registry() -> ModuleType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently.legacy.calculations.stattests import registry
    return registry


def _column_type(feature_type: FeatureType) -> Any:
    _registry()  # imports Evidently with its import-time warnings silenced
    from evidently.legacy.core import ColumnType

    return ColumnType.Numerical if feature_type is FeatureType.NUMERICAL else ColumnType.Categorical


def _series(values: Sequence[Any], feature_type: FeatureType) -> pd.Series:
    dtype = float if feature_type is FeatureType.NUMERICAL else object
    series = pd.Series(list(values), dtype=dtype)
    return series.replace([-np.inf, np.inf], np.nan).dropna()


def evidently_test(
    name: str | None,
    reference: Sequence[Any],
    current: Sequence[Any],
    feature_type: FeatureType,
    threshold: float | None = None,
    *,
    seed: int | None = None,
) -> tuple[float, bool]:
    """Evidently's (score, drifted) for the named test, or its default test when
    ``name`` is None. ``seed`` seeds numpy's global generator first (empirical_mmd
    permutes with it)."""
    ref, cur = _series(reference, feature_type), _series(current, feature_type)
    column_type = _column_type(feature_type)
    test = _registry().get_stattest(ref, cur, column_type, name)
    if seed is not None:
        np.random.seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = test(ref, cur, column_type, threshold)
    return float(result.drift_score), bool(result.drifted)


def evidently_default_name(
    reference: Sequence[Any], current: Sequence[Any], feature_type: FeatureType
) -> str:
    ref, cur = _series(reference, feature_type), _series(current, feature_type)
    test = _registry()._get_default_stattest(ref, cur, _column_type(feature_type))
    return str(test.name)


def evidently_tests() -> dict[str, Any]:
    """Every test Evidently registers, by name (one StatTest record each)."""
    registered = _registry()._registered_stat_tests
    return {name: next(iter(by_type.values())) for name, by_type in registered.items()}


def evidently_feature_types(name: str) -> set[FeatureType]:
    names = {"num": FeatureType.NUMERICAL, "cat": FeatureType.CATEGORICAL}
    return {names[column_type.value] for column_type in _registry()._registered_stat_tests[name]}
