"""Estimated performance (CBPE) through a whole run: runner, store, gauges, alerts, JSON."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from prometheus_client.registry import CollectorRegistry
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score

from monitor import estimation
from monitor.alerts.links import Links
from monitor.alerts.rules import observe_run
from monitor.alerts.state import alert_key
from monitor.cli import main
from monitor.config.models import Config
from monitor.exporter import Exporter
from monitor.latest import LatestResults
from monitor.pipeline import Pipeline
from monitor.result import MetricStatus, RunResult, RunStatus
from monitor.runner import Runner
from monitor.store import Store
from tests.conftest import write_table
from tests.factories import CURRENT_END, prediction_logs, write_config
from tests.service.fakes import FakeClock
from tests.service.sources import NO_REPORT, NOW, config, frame, monitor_toml, service_toml

TICK = NOW.replace(minute=0)
METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc")
ESTIMATED = "".join(f'\n[[monitors.estimated]]\nmetric = "{m}"\nmin = 0.5\n' for m in METRICS)


def windows(rows: int, *, current_labels: bool = True, hours: int = 1) -> pd.DataFrame:
    """A reference 2-3 days before the tick and current rows in the ``hours`` before it;
    labels drawn with the score's own probability (a calibrated model)."""
    reference = frame(
        TICK - timedelta(days=3), TICK - timedelta(days=2), rows, drifted=False, seed=1
    )
    current = frame(
        TICK - timedelta(hours=hours, minutes=-10),
        TICK - timedelta(minutes=10),
        rows,
        drifted=True,
        seed=2,
    )
    if not current_labels:
        current["label"] = None
    return pd.concat([reference, current], ignore_index=True)


def setup(
    tmp_path: Path, store: Store, data: pd.DataFrame, extra: str
) -> tuple[Config, Exporter, Pipeline]:
    source = f"sqlite:///{tmp_path / 'cbpe-source.db'}"
    write_table(source, "predictions", data)
    cfg = config(
        service_toml(store.engine.url.render_as_string(hide_password=False))
        + monitor_toml("m", source, extra=NO_REPORT + extra)
    )
    latest = LatestResults()
    exporter = Exporter(latest, registry=CollectorRegistry(), process_metrics=False)
    exporter.reconfigure(cfg)
    return cfg, exporter, Pipeline(Runner(clock=FakeClock(NOW)), store, [latest, exporter])


def current_rows(data: pd.DataFrame) -> pd.DataFrame:
    return data.iloc[len(data) // 2 :]


def test_estimates_follow_the_realized_metrics_and_reach_store_gauges_and_json(
    tmp_path: Path, store: Store
) -> None:
    data = windows(4000)
    cfg, exporter, pipeline = setup(tmp_path, store, data, ESTIMATED)
    result = pipeline.run(cfg.monitors[0], TICK)
    assert result.status is RunStatus.OK, result.error

    current = current_rows(data)
    actual, predicted, score = current["label"], current["pred"], current["score"]
    realized = {
        "accuracy": accuracy_score(actual, predicted),
        "precision": precision_score(actual, predicted),
        "recall": recall_score(actual, predicted),
        "f1": f1_score(actual, predicted),
        "roc_auc": roc_auc_score(actual, score),
    }
    reference = data.iloc[: len(data) // 2]
    reference_auc = roc_auc_score(reference["label"], reference["score"])
    by_metric = {m.metric: m for m in result.estimated}
    assert list(by_metric) == list(METRICS)
    for metric, m in by_metric.items():
        # 4,000 labels drawn from the scores: sampling error of a metric is below 0.01
        assert m.value == pytest.approx(realized[metric], abs=0.04), metric
        assert m.rows == 4000 and m.lower_bound == 0.5 and m.status is MetricStatus.OK
    assert by_metric["roc_auc"].reference_value == pytest.approx(reference_auc)

    stored = store.get_run(result.run_id or -1)
    assert stored is not None
    assert stored.estimated == result.estimated
    assert stored.metrics == result.metrics and [m.metric for m in stored.metrics] == ["roc_auc"]

    for m in result.estimated:
        gauge = exporter.registry.get_sample_value(
            "driftwarden_performance_estimated", {"monitor": "m", "metric": m.metric}
        )
        assert gauge == m.value
        bound = exporter.registry.get_sample_value(
            "driftwarden_performance_estimated_bound",
            {"monitor": "m", "metric": m.metric, "bound": "min"},
        )
        assert bound == 0.5
    # the realized gauge family holds only realized metrics
    assert (
        exporter.registry.get_sample_value(
            "driftwarden_performance_metric", {"monitor": "m", "metric": "f1"}
        )
        is None
    )

    out = result.to_json()["estimated_metrics"]
    assert [e["metric"] for e in out] == list(METRICS)
    assert out[0]["value"] == by_metric["accuracy"].value and out[0]["status"] == "ok"


def test_a_window_without_labels_is_estimated_and_breaches_alert(
    tmp_path: Path, store: Store
) -> None:
    extra = '\n[[monitors.estimated]]\nmetric = "f1"\nmin = 0.95\n'
    extra += '\n[[monitors.estimated]]\nmetric = "roc_auc"\nmax_drop = 0.5\n'
    cfg, _, pipeline = setup(tmp_path, store, windows(400, current_labels=False), extra)
    result = pipeline.run(cfg.monitors[0], TICK)
    assert result.status is RunStatus.OK, result.error
    assert {m.metric: m.status for m in result.metrics} == {"roc_auc": MetricStatus.NO_LABELS}
    f1, auc = result.estimated
    assert f1.status is MetricStatus.BREACHED and f1.value is not None and f1.value < 0.95
    assert auc.status is MetricStatus.OK
    assert auc.lower_bound == pytest.approx((auc.reference_value or 0) - 0.5)

    obs = observe_run(cfg.monitors[0], cfg.alerting, Links.of(cfg.service), result)
    (signal,) = [s for s in obs.breaches.values() if s.alertname == "PerformanceEstimateBreached"]
    assert signal.labels["metric"] == "f1"
    assert signal.labels["severity"] == "warning"
    assert "estimated without labels" in signal.annotations["description"]
    assert "PerformanceEstimateBreached" in obs.decides
    # no realized alert from a window without labels
    assert not [s for s in obs.breaches.values() if s.alertname.startswith("PerformanceBelow")]


def test_an_undefined_estimate_leaves_its_alert_undecided(tmp_path: Path, store: Store) -> None:
    data = windows(400)
    current = data.index >= 400
    data.loc[current, "pred"] = 0  # nothing predicted positive: precision is 0/0
    extra = '\n[[monitors.estimated]]\nmetric = "precision"\nmin = 0.5\n'
    cfg, _, pipeline = setup(tmp_path, store, data, extra)
    result = pipeline.run(cfg.monitors[0], TICK)
    (precision,) = result.estimated
    assert precision.status is MetricStatus.UNDEFINED and precision.value is None
    obs = observe_run(cfg.monitors[0], cfg.alerting, Links.of(cfg.service), result)
    key = alert_key("m", "PerformanceEstimateBreached", {"metric": "precision"})
    assert key in obs.undecided


def test_the_calibration_is_fitted_once_per_reference(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = estimation.fit_calibration

    def counting(scores: np.ndarray, actual: np.ndarray) -> object:
        calls.append(len(scores))
        return real(scores, actual)

    monkeypatch.setattr(estimation, "fit_calibration", counting)
    cfg, _, pipeline = setup(tmp_path, store, windows(1200, hours=3), ESTIMATED)
    for hours in (0, 1, 2):
        result = pipeline.run(cfg.monitors[0], TICK - timedelta(hours=hours))
        assert result.status is RunStatus.OK, result.error
    assert calls == [1200]


def test_a_reference_without_labels_is_an_error_naming_the_columns(
    tmp_path: Path, store: Store
) -> None:
    data = windows(400)
    data["label"] = None
    cfg, _, pipeline = setup(tmp_path, store, data, ESTIMATED)
    result: RunResult = pipeline.run(cfg.monitors[0], TICK)
    assert result.status is RunStatus.ERROR
    assert result.error is not None
    assert "monitor 'm'" in result.error and "'label'" in result.error
    assert "labelled reference rows" in result.error


def test_the_cli_prints_estimates_in_json_and_table_and_check_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    write_table(source, "predictions", prediction_logs(drift=False))
    extra = '[[monitors.estimated]]\nmetric = "f1"\nmin = 0.3\n'
    path = write_config(tmp_path / "c.toml", source, f"sqlite:///{tmp_path / 'r.db'}", extra=extra)
    at = CURRENT_END.isoformat()

    assert main(["run", "--config", str(path), "--at", at, "--format", "json", "--no-report"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    (f1,) = out["estimated_metrics"]
    assert f1["metric"] == "f1" and f1["status"] == "ok" and 0.3 < f1["value"] <= 1
    assert [m["metric"] for m in out["metrics"]] == ["accuracy", "roc_auc"]

    assert main(["run", "--config", str(path), "--at", at, "--no-report"]) == 0
    table = capsys.readouterr().out
    assert re.search(
        r"^  estimated f1 +0\.\d+ +reference +0\.\d+ +bounds \[0\.3, -\] +ok$", table, re.M
    )

    assert main(["check-config", str(path)]) == 0
    assert "estimated (CBPE): f1" in capsys.readouterr().out
