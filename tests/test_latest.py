"""The in-memory latest results: updated by publishes, pruned by config changes."""

from __future__ import annotations

from datetime import timedelta

from monitor.latest import LatestResults
from monitor.pipeline import Pipeline
from monitor.result import RunStatus
from monitor.runner import Runner
from monitor.store import Store
from tests.service.fakes import FakeClock
from tests.service.sources import NOW, config, monitor_toml

TICK = NOW.replace(minute=0)


def test_publish_keeps_the_newest_ok_and_error_runs(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    m = config(monitor_toml("m", source_url)).monitors[0]
    latest = LatestResults()
    pipeline = Pipeline(Runner(clock=clock), store, [latest])
    ok = pipeline.run(m, TICK)
    error = pipeline.run(m.model_copy(update={"table": "missing"}), TICK + timedelta(hours=1))

    got = latest.get("m")
    assert got.last == error and got.last_ok == ok and got.last_error == error
    assert error.status is RunStatus.ERROR and "missing" in (error.error or "")

    restored = LatestResults()
    restored.restore(store, [m])
    again = restored.get("m")
    assert again.last is not None and again.last.run_id == error.run_id
    assert again.last_ok is not None and again.last_ok.run_id == ok.run_id
    assert again.last_ok.columns == ok.columns


def test_reconfigure_drops_removed_monitors_columns_metrics_and_traffic(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    both = config(monitor_toml("a", source_url) + monitor_toml("b", source_url))
    latest = LatestResults()
    pipeline = Pipeline(Runner(clock=clock), store, [latest])
    for m in both.monitors:
        pipeline.run(m, TICK)

    text = (
        monitor_toml("a", source_url)
        .replace('categorical = ["plan"]', "categorical = []")
        .replace('target = "label"\n', "")
        .replace('latency_column = "latency_ms"\n', "")
        .replace('[[monitors.performance]]\nmetric = "roc_auc"\nmin = 0.6\n', "")
    )
    latest.reconfigure(config(text))

    assert set(latest.snapshot()) == {"a"}
    a = latest.get("a").last_ok
    assert a is not None
    assert {c.column for c in a.columns} == {"x1", "x2", "x3", "pred", "score"}
    assert a.metrics == ()
    assert a.traffic is not None and a.traffic.latency is None
    assert a.traffic.prediction is not None
