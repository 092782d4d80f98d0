"""Drift-test outcomes as column results, and reference preparation reused by runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from monitor.checks.drift import ColumnPair, column_drift, dataset_drift
from monitor.columns import TypedColumn
from monitor.config import load_config
from monitor.config.models import ColumnDrift, DriftConfig
from monitor.result import ColumnStatus
from monitor.runner import Runner
from monitor.stats import FeatureType, build_registry
from tests.conftest import write_table
from tests.factories import CURRENT_END, prediction_logs, write_config

REGISTRY = build_registry()


def _categorical(name: str, values: list[str]) -> TypedColumn:
    return TypedColumn(name, FeatureType.CATEGORICAL, np.array(values, dtype=object), 0)


def _numerical(name: str, values: list[float]) -> TypedColumn:
    return TypedColumn(name, FeatureType.NUMERICAL, np.array(values, dtype=np.float64), 0)


def test_undefined_test_gives_undefined_status_without_verdict() -> None:
    drift = DriftConfig(columns={"plan": ColumnDrift(method="fisher_exact")})
    pair = ColumnPair(
        _categorical("plan", ["a", "b", "c"] * 5), _categorical("plan", ["a", "b"] * 5)
    )
    result = column_drift(pair, drift, REGISTRY)
    assert result.status is ColumnStatus.UNDEFINED
    assert (result.method, result.score, result.drifted) == ("fisher_exact", None, None)
    assert result.threshold == 0.1
    assert dataset_drift([result], 0.5).tested_columns == 0


def test_window_smaller_than_the_test_needs_is_insufficient_data() -> None:
    drift = DriftConfig(numerical_method="cramer_von_mises")
    pair = ColumnPair(_numerical("age", [1.0, 2.0, 3.0]), _numerical("age", [2.0]))
    result = column_drift(pair, drift, REGISTRY)
    assert result.status is ColumnStatus.INSUFFICIENT_DATA
    assert (result.method, result.score, result.drifted) == ("cramer_von_mises", None, None)


def test_defined_outcome_carries_score_and_verdict() -> None:
    drift = DriftConfig(categorical_method="l_infinity")
    pair = ColumnPair(
        _categorical("plan", ["a"] * 8 + ["b"] * 2), _categorical("plan", ["a", "b"] * 5)
    )
    result = column_drift(pair, drift, REGISTRY)
    assert result.status is ColumnStatus.OK
    assert result.score is not None and abs(result.score - 0.3) < 1e-12
    assert result.drifted is True and result.score_kind == "distance"


def test_reference_profile_samples_are_prepared_once_and_reused(
    sqlite_url: str, tmp_path: Path
) -> None:
    write_table(sqlite_url, "predictions", prediction_logs(drift=False))
    monitor = load_config(
        write_config(tmp_path / "c.toml", sqlite_url, "sqlite://"), environ={}
    ).monitors[0]
    runner = Runner()
    first = runner.run(monitor, CURRENT_END)
    (profile,) = runner.profiles._items.values()
    age = profile.columns["age"].sample
    assert age.has_sorted  # prepared while the profile was built
    sorted_once = age.sorted
    second = runner.run(monitor, CURRENT_END)
    assert runner.profiles.hits == 1 and runner.profiles.misses == 1
    assert profile.columns["age"].sample is age and age.sorted is sorted_once
    assert [c.score for c in first.columns] == [c.score for c in second.columns]
