"""The runner on SQLite: windows, inferred features, roles and the reference cache."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from monitor.config import load_config
from monitor.config.models import MonitorConfig
from monitor.result import ColumnStatus, MetricStatus, Role, RunStatus
from monitor.runner import Runner
from monitor.windows import run_windows
from tests.conftest import write_table
from tests.factories import CURRENT_END, REFERENCE_START, logs, prediction_logs, write_config


def monitor_from(tmp_path: Path, source_url: str, **kwargs: str) -> MonitorConfig:
    path = write_config(tmp_path / "c.toml", source_url, "sqlite://", **kwargs)
    return load_config(path, environ={}).monitors[0]


@pytest.fixture
def runner() -> Runner:
    return Runner()


def test_roles_are_tested_but_not_counted_in_dataset_drift(
    sqlite_url: str, tmp_path: Path, runner: Runner
) -> None:
    write_table(sqlite_url, "predictions", prediction_logs(drift=False))
    result = runner.run(monitor_from(tmp_path, sqlite_url), CURRENT_END)
    roles = {c.column: c.role for c in result.columns}
    assert roles == {
        "age": Role.FEATURE,
        "balance": Role.FEATURE,
        "plan": Role.FEATURE,
        "region": Role.FEATURE,
        "churn_pred": Role.PREDICTION,
        "churn_proba": Role.SCORE,
        "churned": Role.TARGET,
    }
    assert result.dataset_drift is not None
    assert result.dataset_drift.tested_columns == 4


def test_target_drift_skipped_without_labels_in_current(
    sqlite_url: str, tmp_path: Path, runner: Runner
) -> None:
    data = prediction_logs(drift=False)
    data["churned"] = data["churned"].astype(object)
    data.loc[data["ts"] >= (CURRENT_END - timedelta(days=2)).replace(tzinfo=None), "churned"] = None
    write_table(sqlite_url, "predictions", data)
    result = runner.run(monitor_from(tmp_path, sqlite_url), CURRENT_END)
    assert result.status is RunStatus.OK
    assert "churned" not in {c.column for c in result.columns}
    assert {m.metric: m.status for m in result.metrics} == {
        "accuracy": MetricStatus.NO_LABELS,
        "roc_auc": MetricStatus.NO_LABELS,
    }
    assert all(m.reference_value is not None for m in result.metrics)


def test_features_inferred_when_lists_omitted(
    sqlite_url: str, tmp_path: Path, runner: Runner
) -> None:
    data = prediction_logs(drift=False)
    data["request_id"] = [f"req-{i}" for i in range(len(data))]
    write_table(sqlite_url, "predictions", data)
    path = write_config(tmp_path / "c.toml", sqlite_url, "sqlite://")
    text = path.read_text()
    text = text.replace('numerical = ["age", "balance"]\n', "")
    text = text.replace('categorical = ["plan", "region"]\n', "max_categories = 50\n")
    path.write_text(text)
    monitor = load_config(path, environ={}).monitors[0]
    result = runner.run(monitor, CURRENT_END)
    types = {c.column: c.feature_type for c in result.columns if c.role is Role.FEATURE}
    # request_id has far more than max_categories distinct values: left out as an identifier.
    assert types == {
        "age": "numerical",
        "balance": "numerical",
        "plan": "categorical",
        "region": "categorical",
    }


def test_exclude_keeps_columns_out_of_inference(
    sqlite_url: str, tmp_path: Path, runner: Runner
) -> None:
    write_table(sqlite_url, "predictions", prediction_logs(drift=False))
    path = write_config(tmp_path / "c.toml", sqlite_url, "sqlite://")
    text = path.read_text().replace('numerical = ["age", "balance"]\n', 'exclude = ["balance"]\n')
    path.write_text(text)
    result = runner.run(load_config(path, environ={}).monitors[0], CURRENT_END)
    features = {c.column for c in result.columns if c.role is Role.FEATURE}
    assert features == {"age", "plan", "region"}


def test_rolling_reference_window(sqlite_url: str, tmp_path: Path, runner: Runner) -> None:
    start = CURRENT_END - timedelta(days=9)
    data = logs(start, 9 * 24, per_hour=5)
    write_table(sqlite_url, "predictions", data)
    path = write_config(tmp_path / "c.toml", sqlite_url, "sqlite://")
    text = path.read_text()
    fixed = text[text.index("reference = {") :].splitlines()[0]
    path.write_text(text.replace(fixed, 'reference = { last = "7d", offset = "1d" }'))
    monitor = load_config(path, environ={}).monitors[0]
    windows = run_windows(monitor, CURRENT_END)
    assert windows.reference.end == CURRENT_END - timedelta(days=2)
    assert windows.reference.start == CURRENT_END - timedelta(days=9)
    result = runner.run(monitor, CURRENT_END)
    assert result.status is RunStatus.OK
    ts = data["ts"]
    reference_end = (CURRENT_END - timedelta(days=2)).replace(tzinfo=None)
    current_start = (CURRENT_END - timedelta(days=1)).replace(tzinfo=None)
    assert result.rows_reference == int((ts < reference_end).sum())
    assert result.rows_current == int((ts >= current_start).sum())


def test_reference_from_another_table(sqlite_url: str, tmp_path: Path, runner: Runner) -> None:
    write_table(sqlite_url, "predictions", prediction_logs(drift=False))
    write_table(
        sqlite_url,
        "validation",
        logs(REFERENCE_START, 10, per_hour=30, seed=4).drop(columns=["ts"]),
    )
    path = write_config(tmp_path / "c.toml", sqlite_url, "sqlite://")
    text = path.read_text()
    fixed = text[text.index("reference = {") :].splitlines()[0]
    path.write_text(text.replace(fixed, 'reference = { table = "validation" }'))
    result = runner.run(load_config(path, environ={}).monitors[0], CURRENT_END)
    assert result.status is RunStatus.OK
    assert result.rows_reference == 300
    assert result.reference.start is None and result.reference.end is None


def test_fixed_reference_is_read_once(sqlite_url: str, tmp_path: Path, runner: Runner) -> None:
    write_table(sqlite_url, "predictions", prediction_logs(drift=False))
    monitor = monitor_from(tmp_path, sqlite_url)
    first = runner.run(monitor, CURRENT_END)
    source = next(iter(runner._sources.values()))
    before = source.queries
    second = runner.run(monitor, CURRENT_END - timedelta(hours=1))
    assert first.status is second.status is RunStatus.OK
    assert source.queries - before == 1, "a fixed reference must not be read again"
    assert runner.profiles.hits == 1


def test_min_rows_gives_insufficient_data(sqlite_url: str, tmp_path: Path, runner: Runner) -> None:
    write_table(sqlite_url, "predictions", prediction_logs(drift=False))
    monitor = monitor_from(tmp_path, sqlite_url, extra="min_rows = 1000")
    result = runner.run(monitor, CURRENT_END)
    assert result.status is RunStatus.INSUFFICIENT_DATA
    assert result.rows_current == 480
    assert "current window" in (result.error or "")
    assert "min_rows = 1000" in (result.error or "")


def test_all_null_column_is_insufficient_not_an_error(
    sqlite_url: str, tmp_path: Path, runner: Runner
) -> None:
    data = prediction_logs(drift=False)
    data["balance"] = np.nan
    write_table(sqlite_url, "predictions", data)
    result = runner.run(monitor_from(tmp_path, sqlite_url), CURRENT_END)
    assert result.status is RunStatus.OK
    balance = next(c for c in result.columns if c.column == "balance")
    assert balance.status is ColumnStatus.INSUFFICIENT_DATA
    assert balance.drifted is None
    assert balance.missing_current == result.rows_current


def test_same_tick_twice_gives_the_same_result(sqlite_url: str, tmp_path: Path) -> None:
    write_table(sqlite_url, "predictions", prediction_logs(drift=True))
    monitor = monitor_from(tmp_path, sqlite_url)
    first = Runner().run(monitor, CURRENT_END + timedelta(minutes=59))
    second = Runner().run(monitor, CURRENT_END)
    assert first.window_end == second.window_end
    assert first.columns == second.columns
    assert first.metrics == second.metrics
