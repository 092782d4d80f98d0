"""Past windows evaluated again by the service as their labels arrive (label_lag)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from prometheus_client.registry import CollectorRegistry

from monitor.alerts.state import State
from monitor.cli import main
from monitor.config.models import Config
from monitor.result import MetricStatus, RunResult, RunStatus
from monitor.service.daemon import Daemon
from monitor.service.http import create_app
from monitor.service.sinks import alert_sink
from monitor.store import Store
from monitor.store.alerts import AlertStore
from tests.conftest import write_table
from tests.labels.data import REFERENCE_END, START, config, in_window, labels_for, predictions
from tests.labels.test_label_join import expected
from tests.service.appclient import AppClient
from tests.service.fakes import FakeClock
from tests.service.harness import wait_idle

T0 = START + timedelta(days=1, hours=2)
T1 = T0 + timedelta(hours=1)
T2 = T1 + timedelta(hours=1)
T3 = T2 + timedelta(hours=1)


@pytest.fixture
def frame(source_url: str) -> pd.DataFrame:
    data = predictions()
    reference = data[data["ts"] < REFERENCE_END.replace(tzinfo=None)]
    write_table(source_url, "predictions", data)
    write_table(source_url, "labels", labels_for(reference, REFERENCE_END))
    return data


def add_labels(url: str, labels: pd.DataFrame) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            labels.to_sql("labels", conn, index=False, if_exists="append")
    finally:
        engine.dispose()


@contextmanager
def daemon(cfg: Config, clock: FakeClock) -> Iterator[Daemon]:
    store = Store.open(cfg.service.store_url)
    running = Daemon(
        cfg,
        store,
        clock=clock,
        environ={},
        sink_factories=(alert_sink,),
        registry=CollectorRegistry(),
        process_metrics=False,
    )
    try:
        yield running
    finally:
        running.stop(grace=5)
        store.close()


def tick(d: Daemon, clock: FakeClock, at: datetime) -> RunResult:
    clock.now = at + timedelta(minutes=1)
    future = d.scheduler.tick("churn")
    assert future is not None
    return future.result(timeout=60)


def gauge(d: Daemon, name: str, **labels: str) -> float | None:
    return d.exporter.registry.get_sample_value(name, {"monitor": "churn", **labels})


def store_url_for(source_url: str, tmp_path: Path) -> str:
    """Results in the same kind of database as the source (PostgreSQL: the same one)."""
    return source_url if source_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'r.db'}"


def test_labels_arriving_after_the_first_evaluation_are_picked_up(
    source_url: str, frame: pd.DataFrame, tmp_path: Path
) -> None:
    cfg = config(
        tmp_path / "c.toml",
        source_url,
        store_url_for(source_url, tmp_path),
        lag="6h",
        accuracy="min = 0.99",
    )
    clock = FakeClock(T0 - timedelta(hours=1))
    with daemon(cfg, clock) as d:
        d.start()
        wait_idle(d)
        first = tick(d, clock, T1)
        assert first.status is RunStatus.OK, first.error
        assert {m.status for m in first.metrics} == {MetricStatus.NO_LABELS}
        assert gauge(d, "driftwarden_label_coverage_ratio") == 0.0
        assert gauge(d, "driftwarden_performance_metric", metric="accuracy") is None

        window = in_window(frame, T1)
        late = labels_for(window, T1 + timedelta(minutes=30), share=0.7, seed=11)
        add_labels(source_url, late)
        second = tick(d, clock, T2)
        assert second.window_end == T2

        history = d.store.runs("churn")
        again = [r for r in history if r.reevaluates is not None]
        assert len(again) == 1
        (reevaluated,) = again
        assert reevaluated.window_end == T1
        assert reevaluated.reevaluates == first.run_id
        figures = expected(window, late)
        assert {m.metric: m.value for m in reevaluated.metrics} == pytest.approx(figures)
        assert reevaluated.label_coverage == pytest.approx(len(late) / len(window))
        assert reevaluated.labels_known == len(late)
        # the history keeps both evaluations of the window
        of_t1 = [r.run_id for r in history if r.window_end == T1]
        assert sorted(of_t1) == sorted([first.run_id, reevaluated.run_id])
        # gauges: coverage of the newest window, performance of the newest labelled one
        assert gauge(d, "driftwarden_label_coverage_ratio") == 0.0
        accuracy = gauge(d, "driftwarden_performance_metric", metric="accuracy")
        assert accuracy == pytest.approx(figures["accuracy"])
        # the API shows each evaluation, the re-evaluation naming the one it follows
        client = AppClient(create_app(d))
        try:
            runs = client.get("/api/monitors/churn/runs").json()["runs"]
        finally:
            client.close()
        shown = {r["id"]: r for r in runs}
        assert shown[reevaluated.run_id]["reevaluates"] == first.run_id
        assert shown[reevaluated.run_id]["labels_known"] == len(late)
        assert shown[reevaluated.run_id]["label_coverage"] == pytest.approx(len(late) / len(window))
        assert shown[first.run_id]["reevaluates"] is None
        # the performance alert follows the re-evaluated figures
        (alert,) = [a for a in AlertStore(d.store).active("churn") if "metric" in a.labels]
        assert alert.alertname == "PerformanceBelowThreshold"
        assert alert.state is State.FIRING
        assert alert.window_end == T1

        # no label arrived for past windows since: nothing is evaluated again; the new
        # window has half its labels already, and is now the newest labelled window
        newest = in_window(frame, T3)
        prompt = labels_for(newest, T3, share=0.5, seed=12)
        add_labels(source_url, prompt)
        third = tick(d, clock, T3)
        assert len([r for r in d.store.runs("churn") if r.reevaluates is not None]) == 1
        coverage = gauge(d, "driftwarden_label_coverage_ratio")
        assert coverage == pytest.approx(len(prompt) / len(newest))
        assert third.label_coverage == coverage
        accuracy = gauge(d, "driftwarden_performance_metric", metric="accuracy")
        figures = expected(newest, prompt)
        assert accuracy == pytest.approx(figures["accuracy"])

    # a restart restores the performance gauges from the store
    with daemon(cfg, FakeClock(T3 + timedelta(minutes=2))) as restarted:
        restarted.latest.restore(restarted.store, cfg.monitors)
        restarted.exporter.collector.refresh()
        after = gauge(restarted, "driftwarden_performance_metric", metric="accuracy")
        assert after == pytest.approx(figures["accuracy"])


def test_nothing_is_reevaluated_beyond_label_lag(
    source_url: str, frame: pd.DataFrame, tmp_path: Path
) -> None:
    cfg = config(tmp_path / "c.toml", source_url, store_url_for(source_url, tmp_path), lag="1h")
    clock = FakeClock(T0 - timedelta(hours=1))
    with daemon(cfg, clock) as d:
        d.start()
        wait_idle(d)
        tick(d, clock, T0)
        tick(d, clock, T1)
        # labels for both windows arrive; at T2 only the window ending T1 is within 1h
        add_labels(source_url, labels_for(in_window(frame, T0), T1, seed=5))
        add_labels(source_url, labels_for(in_window(frame, T1), T1 + timedelta(minutes=5)))
        tick(d, clock, T2)
        again = [r for r in d.store.runs("churn") if r.reevaluates is not None]
        assert [r.window_end for r in again] == [T1]
        (of_t0,) = [r for r in d.store.runs("churn") if r.window_end == T0]
        assert {m.status for m in of_t0.metrics} == {MetricStatus.NO_LABELS}


def test_a_correction_is_a_change_too(source_url: str, frame: pd.DataFrame, tmp_path: Path) -> None:
    cfg = config(tmp_path / "c.toml", source_url, store_url_for(source_url, tmp_path), lag="3h")
    window = in_window(frame, T1)
    first = labels_for(window, T1, seed=2)
    add_labels(source_url, first)
    clock = FakeClock(T0 - timedelta(hours=1))
    with daemon(cfg, clock) as d:
        d.start()
        wait_idle(d)
        original = tick(d, clock, T1)
        assert original.labels_known == len(window)
        corrected = first.copy()
        corrected["label"] = 1 - corrected["label"]
        corrected["known_at"] = T1.replace(tzinfo=None) + timedelta(minutes=20)
        add_labels(source_url, corrected)
        tick(d, clock, T2)
        (again,) = [r for r in d.store.runs("churn") if r.reevaluates is not None]
        assert again.reevaluates == original.run_id
        figures = expected(window, corrected)
        assert {m.metric: m.value for m in again.metrics} == pytest.approx(figures)


def test_driftwarden_run_reevaluates_too(
    source_url: str, frame: pd.DataFrame, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``run`` is a tick of its own (for cron deployments): past windows within
    ``label_lag`` whose labels changed are evaluated after it, one JSON object each."""
    path = tmp_path / "c.toml"
    config(path, source_url, store_url_for(source_url, tmp_path), lag="2h")
    args = ["run", "--config", str(path), "--format", "json", "--no-report"]
    assert main([*args, "--at", (T1 + timedelta(minutes=1)).isoformat()]) == 0
    (first,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    window = in_window(frame, T1)
    late = labels_for(window, T1 + timedelta(minutes=10), seed=21)
    add_labels(source_url, late)
    assert main([*args, "--at", (T2 + timedelta(minutes=1)).isoformat()]) == 0
    tick_run, again = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert tick_run["windows"]["current"]["end"] == T2.isoformat()
    assert again["windows"]["current"]["end"] == T1.isoformat()
    assert again["labels"] == {
        "coverage": pytest.approx(len(late) / len(window)),
        "known": len(late),
        "reevaluates": first["run_id"],
    }
    figures = expected(window, late)
    assert {m["metric"]: m["value"] for m in again["metrics"]} == pytest.approx(figures)
    # the table output says the same in one line
    add_labels(source_url, labels_for(window, T1 + timedelta(minutes=20), seed=22))
    assert main([*args[:-3], "--no-report", "--at", (T2 + timedelta(minutes=2)).isoformat()]) == 0
    out = capsys.readouterr().out
    assert f"re-evaluated window ending {T1.isoformat()} as labels arrived" in out
    assert "label coverage 100.0%" in out


def test_an_older_window_reevaluated_changes_neither_gauges_nor_alerts(
    source_url: str, frame: pd.DataFrame, tmp_path: Path
) -> None:
    cfg = config(
        tmp_path / "c.toml",
        source_url,
        store_url_for(source_url, tmp_path),
        lag="6h",
        accuracy="min = 0.99",
    )
    clock = FakeClock(T0)
    with daemon(cfg, clock) as d:
        d.start()
        wait_idle(d)  # the catch-up run evaluates the window ending T0, without labels
        newest = in_window(frame, T1)
        prompt = labels_for(newest, T1, share=0.5, seed=31)
        add_labels(source_url, prompt)
        tick(d, clock, T1)
        figures = expected(newest, prompt)
        assert gauge(d, "driftwarden_performance_metric", metric="accuracy") == pytest.approx(
            figures["accuracy"]
        )
        (alert,) = [a for a in AlertStore(d.store).active("churn") if "metric" in a.labels]
        assert (alert.window_end, alert.breaches) == (T1, 1)
        before = {a.key: (a.state, a.breaches, a.window_end) for a in AlertStore(d.store).all()}

        add_labels(source_url, labels_for(in_window(frame, T0), T1 + timedelta(minutes=10)))
        tick(d, clock, T2)
        (again,) = [r for r in d.store.runs("churn") if r.reevaluates is not None]
        assert again.window_end == T0
        assert all(m.value is not None for m in again.metrics)
        # the newest labelled window is still the one ending T1
        assert gauge(d, "driftwarden_performance_metric", metric="accuracy") == pytest.approx(
            figures["accuracy"]
        )
        after = {a.key: (a.state, a.breaches, a.window_end) for a in AlertStore(d.store).all()}
        assert after[alert.key] == before[alert.key]  # not counted as another breach


class LosableLock:
    """A leader lock this test takes away at a chosen moment (a real one is lost when its
    session ends: tests/service/test_leadership.py)."""

    def __init__(self) -> None:
        self.holding = True

    def try_acquire(self) -> bool:
        return self.holding

    def held(self) -> bool:
        return self.holding

    def release(self) -> None:
        self.holding = False

    def describe(self) -> str:
        return "a test lock"


class LoseAfter:
    """A sink that takes the lock away once the run of ``window_end`` is published."""

    name = "lose-after"

    def __init__(self, lock: LosableLock, window_end: datetime) -> None:
        self.lock, self.window_end = lock, window_end

    def publish(self, _monitor: object, result: RunResult, _data: object) -> None:
        if result.window_end == self.window_end and result.reevaluates is None:
            self.lock.holding = False


def test_a_replica_that_loses_the_lead_after_its_run_leaves_the_reevaluations(
    source_url: str, frame: pd.DataFrame, tmp_path: Path
) -> None:
    cfg = config(tmp_path / "c.toml", source_url, store_url_for(source_url, tmp_path))
    clock = FakeClock(T0 - timedelta(hours=1))
    lock = LosableLock()
    store = Store.open(cfg.service.store_url)
    d = Daemon(
        cfg,
        store,
        clock=clock,
        environ={},
        sinks=[LoseAfter(lock, T2)],
        sink_factories=(),
        registry=CollectorRegistry(),
        process_metrics=False,
        lock=lock,
    )
    try:
        d.start()
        wait_idle(d)
        first = tick(d, clock, T1)
        add_labels(source_url, labels_for(in_window(frame, T1), T1 + timedelta(minutes=30)))
        own = tick(d, clock, T2)
        assert own.run_id is not None, "the tick's own run was stored while leading"
        wait_idle(d)
        assert not d.leading and d.role == "standby"
        history = d.store.runs("churn")
        assert [r for r in history if r.reevaluates is not None] == [], "left to the leader"
        assert [r.run_id for r in history if r.window_end == T1] == [first.run_id]
    finally:
        d.stop(grace=5)
        store.close()
