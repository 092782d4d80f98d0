"""The exporter: gauges built at scrape time from the latest results."""

from __future__ import annotations

import dataclasses
import subprocess
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from prometheus_client import REGISTRY
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_families
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import CollectorRegistry

from monitor.config.models import Config
from monitor.exporter import Exporter
from monitor.exporter.definitions import METRICS, RUN_DURATION_BUCKETS
from monitor.latest import LatestResults
from monitor.pipeline import Pipeline
from monitor.result import RunResult, RunStatus
from monitor.runner import Runner
from monitor.store import Store
from tests.servers import binary
from tests.service.fakes import FakeClock
from tests.service.sources import NOW, config, monitor_toml, service_toml

TICK = NOW.replace(minute=0)


def setup(cfg: Config, store: Store, clock: FakeClock) -> tuple[Exporter, Pipeline]:
    latest = LatestResults()
    exporter = Exporter(latest, registry=CollectorRegistry(), process_metrics=False)
    exporter.reconfigure(cfg)
    return exporter, Pipeline(Runner(clock=clock), store, [latest, exporter])


def value(exporter: Exporter, name: str, **labels: str) -> float | None:
    return exporter.registry.get_sample_value(name, labels)


@pytest.fixture
def cfg(source_url: str, store_url: str) -> Config:
    return config(service_toml(store_url) + monitor_toml("m", source_url))


def test_the_gauges_hold_the_values_of_the_stored_run(
    cfg: Config, store: Store, clock: FakeClock
) -> None:
    exporter, pipeline = setup(cfg, store, clock)
    result = pipeline.run(cfg.monitors[0], TICK)
    assert result.status is RunStatus.OK
    stored = store.get_run(result.run_id or -1)
    assert stored is not None

    for c in stored.columns:
        labels = {
            "monitor": "m",
            "column": c.column,
            "method": c.method or "",
            "role": c.role.value,
        }
        assert value(exporter, "driftwarden_column_drift_score", **labels) == c.score
        assert value(exporter, "driftwarden_column_drift_threshold", **labels) == c.threshold
        detected = value(
            exporter,
            "driftwarden_column_drift_detected",
            monitor="m",
            column=c.column,
            role=c.role.value,
        )
        assert detected == float(bool(c.drifted))
    roles = {c.column: c.role.value for c in stored.columns}
    assert roles == {
        "x1": "feature", "x2": "feature", "x3": "feature", "plan": "feature",
        "pred": "prediction", "score": "score", "label": "target",
    }  # fmt: skip
    assert stored.dataset_drift is not None
    assert (
        value(exporter, "driftwarden_dataset_drift_share", monitor="m")
        == stored.dataset_drift.share
    )
    assert value(exporter, "driftwarden_dataset_drift_detected", monitor="m") == 1.0
    (auc,) = stored.metrics
    assert (
        value(exporter, "driftwarden_performance_metric", monitor="m", metric="roc_auc")
        == auc.value
    )
    assert (
        value(exporter, "driftwarden_performance_bound", monitor="m", metric="roc_auc", bound="min")
        == 0.6
    )
    assert (
        value(exporter, "driftwarden_performance_bound", monitor="m", metric="roc_auc", bound="max")
        is None
    )
    assert value(exporter, "driftwarden_window_rows", monitor="m", window="reference") == 400
    assert value(exporter, "driftwarden_window_rows", monitor="m", window="current") == 400
    assert value(exporter, "driftwarden_monitor_up", monitor="m") == 1.0
    finished = stored.finished_at.timestamp()
    assert value(exporter, "driftwarden_last_run_timestamp_seconds", monitor="m") == finished
    assert value(exporter, "driftwarden_last_success_timestamp_seconds", monitor="m") == finished
    assert value(exporter, "driftwarden_runs_total", monitor="m", status="ok") == 1
    assert value(exporter, "driftwarden_runs_total", monitor="m", status="error") == 0


def test_prediction_histogram_and_latency_quantiles_match_numpy(
    cfg: Config, store: Store, clock: FakeClock, source_url: str
) -> None:
    exporter, pipeline = setup(cfg, store, clock)
    pipeline.run(cfg.monitors[0], TICK)
    rows = pd.read_sql_table("predictions", source_url)
    current = rows[pd.to_datetime(rows["ts"]) >= (TICK - timedelta(hours=1)).replace(tzinfo=None)]
    assert len(current) == 400
    scores = current["score"].to_numpy()
    for edge in np.round(np.arange(0.1, 1.01, 0.1), 1):
        got = value(
            exporter, "driftwarden_prediction_value_bucket", monitor="m", le=repr(float(edge))
        )
        assert got == np.count_nonzero(scores <= edge), edge
    assert value(exporter, "driftwarden_prediction_value_bucket", monitor="m", le="+Inf") == 400
    assert value(exporter, "driftwarden_prediction_value_gcount", monitor="m") == 400
    assert value(exporter, "driftwarden_prediction_value_gsum", monitor="m") == pytest.approx(
        scores.sum()
    )
    seconds = current["latency_ms"].to_numpy() / 1000
    for q in (0.5, 0.95, 0.99):
        got = value(
            exporter, "driftwarden_prediction_latency_seconds", monitor="m", quantile=str(q)
        )
        assert got == pytest.approx(np.percentile(seconds, q * 100), rel=1e-12)


def test_a_restart_restores_the_gauges_from_the_store(
    cfg: Config, store: Store, clock: FakeClock
) -> None:
    exporter, pipeline = setup(cfg, store, clock)
    pipeline.run(cfg.monitors[0], TICK)
    before = exporter.render()[0].decode()

    latest = LatestResults()
    latest.restore(store, cfg.monitors)
    restarted = Exporter(latest, registry=CollectorRegistry(), process_metrics=False)
    restarted.reconfigure(cfg)
    after = restarted.render()[0].decode()

    process_lifetime = ("driftwarden_runs", "driftwarden_run_duration")

    def gauges(text: str) -> list[str]:
        lines = text.splitlines()
        return sorted(
            line
            for line in lines
            if line.startswith("driftwarden_") and not line.startswith(process_lifetime)
        )

    assert len(gauges(before)) > 30
    assert gauges(after) == gauges(before)
    assert value(restarted, "driftwarden_runs_total", monitor="m", status="ok") == 0


def test_an_error_run_sets_up_to_0_and_keeps_the_last_drift_values(
    cfg: Config, store: Store, clock: FakeClock, source_url: str
) -> None:
    exporter, pipeline = setup(cfg, store, clock)
    ok = pipeline.run(cfg.monitors[0], TICK)
    broken = cfg.monitors[0].model_copy(update={"table": "no_such_table"})
    error = pipeline.run(broken, TICK + timedelta(hours=1))

    assert error.status is RunStatus.ERROR
    assert value(exporter, "driftwarden_monitor_up", monitor="m") == 0.0
    assert (
        value(exporter, "driftwarden_last_run_timestamp_seconds", monitor="m")
        == error.finished_at.timestamp()
    )
    assert (
        value(exporter, "driftwarden_last_success_timestamp_seconds", monitor="m")
        == ok.finished_at.timestamp()
    )
    x1 = next(c for c in ok.columns if c.column == "x1")
    labels = {"monitor": "m", "column": "x1", "method": x1.method or "", "role": "feature"}
    assert value(exporter, "driftwarden_column_drift_score", **labels) == x1.score
    assert value(exporter, "driftwarden_runs_total", monitor="m", status="error") == 1
    assert value(exporter, "driftwarden_window_rows", monitor="m", window="current") is None


def test_monitors_and_columns_removed_from_the_config_disappear(
    source_url: str, store_url: str, store: Store, clock: FakeClock
) -> None:
    cfg = config(
        service_toml(store_url) + monitor_toml("a", source_url) + monitor_toml("b", source_url)
    )
    exporter, pipeline = setup(cfg, store, clock)
    for m in cfg.monitors:
        pipeline.run(m, TICK)
    assert value(exporter, "driftwarden_monitor_up", monitor="b") == 1.0

    narrower = monitor_toml("a", source_url).replace(
        'numerical = ["x1", "x2", "x3"]', 'numerical = ["x1"]'
    )
    new = config(service_toml(store_url) + narrower)
    exporter.latest.reconfigure(new)
    exporter.reconfigure(new)
    text = exporter.render()[0].decode()

    assert 'monitor="b"' not in text
    assert 'column="x2"' not in text and 'column="x3"' not in text
    assert 'column="x1"' in text and 'column="score"' in text
    assert value(exporter, "driftwarden_monitor_up", monitor="a") == 1.0


def test_run_durations_fall_in_their_buckets(cfg: Config, store: Store, clock: FakeClock) -> None:
    exporter, pipeline = setup(cfg, store, clock)
    base = pipeline.run(cfg.monitors[0], TICK)
    for seconds in (0.07, 3.0, 5.0, 700.0):
        finished = base.started_at + timedelta(seconds=seconds)
        exporter.publish(cfg.monitors[0], dataclasses.replace(base, finished_at=finished), None)

    def bucket(le: str) -> float | None:
        return value(exporter, "driftwarden_run_duration_seconds_bucket", monitor="m", le=le)

    first = base.duration_seconds
    expected = {
        b: sum(1 for s in (first, 0.07, 3.0, 5.0, 700.0) if s <= b) for b in RUN_DURATION_BUCKETS
    }
    for b, n in expected.items():
        assert bucket(repr(b)) == n, b
    assert bucket("+Inf") == 5
    assert value(exporter, "driftwarden_run_duration_seconds_count", monitor="m") == 5
    total = value(exporter, "driftwarden_run_duration_seconds_sum", monitor="m")
    assert total == pytest.approx(first + 708.07)
    assert value(exporter, "driftwarden_runs_total", monitor="m", status="ok") == 5


def test_every_family_has_help_and_only_defined_names_are_exported(
    cfg: Config, store: Store, clock: FakeClock
) -> None:
    exporter, pipeline = setup(cfg, store, clock)
    pipeline.run(cfg.monitors[0], TICK)
    text, content_type = exporter.render()
    assert content_type.startswith("text/plain")
    families = list(text_string_to_metric_families(text.decode()))
    defined = {m.family_name for m in METRICS}
    exported = {f.name for f in families if f.name.startswith("driftwarden_")}
    assert exported <= defined | {
        "driftwarden_prediction_value_gcount",
        "driftwarden_prediction_value_gsum",
    }
    assert {m.family_name for m in METRICS} - {
        "driftwarden_config_last_reload_successful",
        "driftwarden_config_last_reload_success_timestamp_seconds",
        "driftwarden_leader",  # from the daemon's leadership
    } <= exported
    assert all(f.documentation for f in families)


def test_openmetrics_is_served_when_asked_for_and_parses(
    cfg: Config, store: Store, clock: FakeClock
) -> None:
    exporter, pipeline = setup(cfg, store, clock)
    pipeline.run(cfg.monitors[0], TICK)
    text, content_type = exporter.render("application/openmetrics-text; version=1.0.0")
    assert content_type.startswith("application/openmetrics-text")
    families = {f.name: f for f in om_families(text.decode())}
    assert families["driftwarden_prediction_value"].type == "gaugehistogram"
    assert families["driftwarden_runs"].type == "counter"


def test_promtool_accepts_the_exposition(cfg: Config, store: Store, clock: FakeClock) -> None:
    promtool = binary("promtool")
    latest = LatestResults()
    exporter = Exporter(latest, registry=CollectorRegistry(), process_metrics=True)
    exporter.reconfigure(cfg)
    exporter.config_loaded(True, NOW)
    Pipeline(Runner(clock=clock), store, [latest, exporter]).run(cfg.monitors[0], TICK)
    text = exporter.render()[0]
    assert b"process_cpu_seconds_total" in text and b"driftwarden_prediction_value" in text
    checked = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, timeout=30
    )
    assert checked.returncode == 0, checked.stderr.decode() + checked.stdout.decode()
    assert checked.stdout.strip() == b"" and checked.stderr.strip() == b""


def test_nothing_is_registered_on_the_global_registry() -> None:
    before = set(REGISTRY._names_to_collectors)
    Exporter(LatestResults())
    assert set(REGISTRY._names_to_collectors) == before
    assert not any(name.startswith("driftwarden_") for name in before)


def test_an_unknown_or_untested_column_is_left_out(
    cfg: Config, store: Store, clock: FakeClock
) -> None:
    exporter, pipeline = setup(cfg, store, clock)
    result = pipeline.run(cfg.monitors[0], TICK)
    untested = dataclasses.replace(result.columns[0], score=None, threshold=None, drifted=None)
    exporter.latest.publish(cfg.monitors[0], dataclasses.replace(result, columns=(untested,)), None)
    assert (
        value(
            exporter,
            "driftwarden_column_drift_score",
            monitor="m",
            column="x1",
            method=untested.method or "",
            role="feature",
        )
        is None
    )
    assert (
        value(
            exporter, "driftwarden_column_drift_detected", monitor="m", column="x1", role="feature"
        )
        is None
    )
    assert isinstance(result, RunResult)


def test_quality_and_multivariate_gauges_hold_the_stored_values(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    extra = '[monitors.multivariate]\nenabled = true\nmethods = ["pca_reconstruction"]\n'
    cfg = config(
        service_toml(store.engine.url.render_as_string(False))
        + monitor_toml("m", source_url, extra=extra)
    )
    exporter, pipeline = setup(cfg, store, clock)
    result = pipeline.run(cfg.monitors[0], TICK)
    stored = store.get_run(result.run_id or -1)
    assert stored is not None and stored.status is RunStatus.OK
    assert stored.quality, "quality checks are on by default"

    seen = 0
    for q in stored.quality:
        column = q.column or ""
        if q.check.value == "missing_share":
            assert (
                value(
                    exporter,
                    "driftwarden_column_missing_ratio",
                    monitor="m",
                    column=column,
                    window="current",
                )
                == q.value
            )
            assert (
                value(
                    exporter,
                    "driftwarden_column_missing_ratio",
                    monitor="m",
                    column=column,
                    window="reference",
                )
                == q.reference_value
            )
            seen += 1
        elif q.check.value == "unseen_share":
            assert (
                value(exporter, "driftwarden_column_unseen_ratio", monitor="m", column=column)
                == q.value
            )
            seen += 1
        elif q.check.value == "out_of_range_share":
            assert (
                value(exporter, "driftwarden_column_out_of_range_ratio", monitor="m", column=column)
                == q.value
            )
            seen += 1
        breached = value(
            exporter,
            "driftwarden_quality_check_breached",
            monitor="m",
            check=q.check.value,
            column=column,
        )
        if q.status.value == "insufficient_data":
            assert breached is None
        else:
            assert breached == (1.0 if q.status.value == "breached" else 0.0)
    assert seen >= 3

    (pca,) = stored.multivariate
    assert pca.score is not None and pca.detected is not None
    assert value(
        exporter, "driftwarden_multivariate_drift_score", monitor="m", method="pca_reconstruction"
    ) == pytest.approx(pca.score)
    assert value(
        exporter,
        "driftwarden_multivariate_drift_detected",
        monitor="m",
        method="pca_reconstruction",
    ) == float(pca.detected)
