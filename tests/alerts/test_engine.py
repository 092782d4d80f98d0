"""Evaluation against the stored state: restarts, reloads, the stale timer, exported counts."""

from __future__ import annotations

from datetime import datetime, timedelta

from monitor.alerts import AlertSink
from monitor.alerts.client import timestamp
from monitor.alerts.state import State
from monitor.config import Config
from monitor.result import DatasetDrift, RunResult, RunStatus
from monitor.store import Store
from tests.alerts.fakes import FakeAlertmanagers
from tests.alerts.results import END, column, config, run
from tests.service.fakes import FakeClock

URL = 'alertmanager_urls = ["http://am:9093"]\n'


def drift_run(end: datetime, detected: bool, run_id: int) -> RunResult:
    return run(
        end=end,
        run_id=run_id,
        columns=(column("x1", drifted=detected, score=0.001 if detected else 0.5),),
        drift=DatasetDrift(1.0 if detected else 0.0, 0.5, detected, int(detected), 1),
    )


def sink_for(store: Store, cfg: Config, clock: FakeClock, fake: FakeAlertmanagers) -> AlertSink:
    sink = AlertSink(cfg, store, clock=clock, transport=fake.transport())
    sink.reconfigure(cfg)
    sink.engine.start()
    return sink


def test_for_runs_counts_windows_and_a_restart_keeps_the_count_and_the_start(
    store: Store,
) -> None:
    cfg = config("[monitors.alerts.dataset_drift]\nfor_runs = 3\n", alerting=URL)
    fake = FakeAlertmanagers()
    clock = FakeClock(END)
    m = cfg.monitors[0]
    first = sink_for(store, cfg, clock, fake)
    first.publish(m, drift_run(END, True, 1), None)
    first.publish(m, drift_run(END + timedelta(hours=1), True, 2), None)
    first.sender.cycle()
    assert [a["labels"]["alertname"] for a in fake.alerts_to("am")] == ["ColumnDriftDetected"]

    # The service restarts between the second and third breaching windows.
    second = sink_for(store, cfg, clock, fake)
    second.publish(m, drift_run(END + timedelta(hours=2), True, 3), None)
    (dataset,) = [a for a in second.engine.store.active("churn") if a.alertname.startswith("D")]
    assert dataset.state is State.FIRING and dataset.breaches == 3
    assert dataset.starts_at == END + timedelta(seconds=9)
    fake.clear()
    second.sender.cycle()
    sent = {a["labels"]["alertname"]: a for a in fake.alerts_to("am")}
    assert sent["DatasetDriftDetected"]["startsAt"] == timestamp(END + timedelta(seconds=9))
    assert sent["DatasetDriftDetected"]["generatorURL"].endswith("/api/runs/3")


def test_an_old_window_published_late_does_not_resolve_the_present(store: Store) -> None:
    cfg = config(alerting=URL)
    clock = FakeClock(END)
    sink = sink_for(store, cfg, clock, FakeAlertmanagers())
    m = cfg.monitors[0]
    sink.publish(m, drift_run(END, True, 1), None)
    sink.publish(m, drift_run(END - timedelta(hours=5), False, 2), None)
    assert {a.state for a in sink.engine.store.active()} == {State.FIRING}
    sink.publish(m, drift_run(END + timedelta(hours=1), False, 3), None)
    assert sink.engine.store.active() == []


def test_an_error_run_keeps_drift_alerts_and_fires_run_failing(store: Store) -> None:
    cfg = config(alerting=URL)
    sink = sink_for(store, cfg, FakeClock(END), FakeAlertmanagers())
    m = cfg.monitors[0]
    sink.publish(m, drift_run(END, True, 1), None)
    sink.publish(
        m, run(status=RunStatus.ERROR, end=END + timedelta(hours=1), error="boom", run_id=2), None
    )
    assert {a.alertname for a in sink.engine.store.active()} == {
        "DatasetDriftDetected",
        "ColumnDriftDetected",
        "MonitorRunFailing",
    }
    sink.publish(m, drift_run(END + timedelta(hours=2), True, 3), None)
    assert "MonitorRunFailing" not in {a.alertname for a in sink.engine.store.active()}


def test_reload_resolves_alerts_of_removed_monitors_and_disabled_rules(store: Store) -> None:
    cfg = config(alerting=URL)
    clock = FakeClock(END)
    sink = sink_for(store, cfg, clock, FakeAlertmanagers())
    sink.publish(cfg.monitors[0], drift_run(END, True, 1), None)
    clock.now = END + timedelta(minutes=5)
    sink.reconfigure(config("[monitors.alerts.column_drift]\nenabled = false\n", alerting=URL))
    (left,) = sink.engine.store.active()
    assert left.alertname == "DatasetDriftDetected"
    resolved = [a for a in sink.engine.store.all() if a.state is State.RESOLVED]
    assert [(a.alertname, a.ends_at) for a in resolved] == [("ColumnDriftDetected", clock.now)]
    sink.reconfigure(config(alerting=URL, name="other"))
    assert sink.engine.store.active() == []


def test_the_stale_timer_fires_without_runs_and_a_successful_run_resolves_it(
    store: Store,
) -> None:
    cfg = config("[monitors.alerts.stale]\nintervals = 2\n", alerting=URL, schedule="every 10m")
    m = cfg.monitors[0]
    clock = FakeClock(END)
    sink = sink_for(store, cfg, clock, FakeAlertmanagers())
    sink.publish(m, drift_run(END, False, 1), None)
    clock.now = END + timedelta(minutes=20)
    sink.sender.cycle()
    assert sink.engine.store.active() == []
    clock.now = END + timedelta(minutes=20, seconds=1)
    sink.sender.cycle()
    (stale,) = sink.engine.store.active()
    assert stale.alertname == "MonitorStale" and stale.state is State.FIRING
    assert stale.starts_at == clock.now
    # Still stale a minute later: the same alert, not written again.
    clock.now += timedelta(minutes=1)
    sink.sender.cycle()
    assert sink.engine.store.active() == [stale]
    # A restart keeps it firing though the count starts again.
    again = sink_for(store, cfg, clock, FakeAlertmanagers())
    again.sender.cycle()
    assert again.engine.store.active() == [stale]
    again.publish(m, drift_run(END + timedelta(minutes=30), False, 2), None)
    assert again.engine.store.active() == []


def test_exported_counts_have_zeros_for_every_enabled_rule(store: Store) -> None:
    cfg = config("[monitors.alerts.stale]\nenabled = false\n", alerting=URL)
    sink = sink_for(store, cfg, FakeClock(END), FakeAlertmanagers())
    sink.publish(
        cfg.monitors[0],
        run(columns=(column("x1"), column("x2")), drift=DatasetDrift(1.0, 0.5, True, 2, 2)),
        None,
    )
    sink.sender.cycle()
    samples = sink.metric_samples()
    firing = {
        s.labels["alertname"]: s.value
        for s in samples["driftwarden_alerts_firing"]
        if s.labels["monitor"] == "churn"
    }
    assert firing == {
        "DatasetDriftDetected": 1,
        "ColumnDriftDetected": 2,
        "PerformanceBelowThreshold": 0,
        "PerformanceAboveThreshold": 0,
        "PerformanceEstimateBreached": 0,
        "MonitorRunFailing": 0,
        "MonitorDataInsufficient": 0,
    }
    outcomes = {
        s.labels["outcome"]: s.value for s in samples["driftwarden_alert_notifications_total"]
    }
    assert outcomes == {"delivered": 3, "failed": 0, "rejected": 0}
    assert samples["driftwarden_monitor_stale_after_seconds"] == []


def test_the_stale_limit_is_exported_in_seconds(store: Store) -> None:
    cfg = config("[monitors.alerts.stale]\nintervals = 2.5\n", schedule="*/20 * * * *")
    sink = sink_for(store, cfg, FakeClock(END), FakeAlertmanagers())
    (sample,) = sink.metric_samples()["driftwarden_monitor_stale_after_seconds"]
    assert sample.labels == {"monitor": "churn"} and sample.value == 2.5 * 20 * 60


def test_staleness_counts_successes_stored_by_another_process_and_new_monitors_wait(
    store: Store,
) -> None:
    cfg = config("[monitors.alerts.stale]\nintervals = 2\n", alerting=URL, schedule="every 10m")
    clock = FakeClock(END)
    sink = sink_for(store, cfg, clock, FakeAlertmanagers())
    # Another process (a replica, `driftwarden run`) stores successful runs of churn.
    clock.now = END + timedelta(minutes=50)
    store.save(drift_run(END + timedelta(minutes=40), False, 0))
    sink.sender.cycle()
    assert sink.engine.store.active() == []
    clock.now = END + timedelta(minutes=61)
    sink.sender.cycle()
    (stale,) = sink.engine.store.active()
    assert "2026-03-02T12:40:00+00:00" in stale.annotations["description"]

    # A monitor added by a reload is not stale before its own intervals have passed.
    both = config(
        "[monitors.alerts.stale]\nintervals = 2\n", alerting=URL, schedule="every 10m"
    ).model_copy(
        update={
            "monitors": [
                cfg.monitors[0],
                cfg.monitors[0].model_copy(update={"name": "fraud"}),
            ]
        }
    )
    sink.reconfigure(both)
    clock.now += timedelta(minutes=20)
    sink.sender.cycle()
    assert {a.monitor for a in sink.engine.store.active()} == {"churn"}
    clock.now += timedelta(seconds=1)
    sink.sender.cycle()
    assert {a.monitor for a in sink.engine.store.active()} == {"churn", "fraud"}


def test_a_restart_resends_what_fires_with_its_start_and_never_a_delivered_resolution(
    store: Store,
) -> None:
    cfg = config(alerting=URL)
    m = cfg.monitors[0]
    clock = FakeClock(END)
    fake = FakeAlertmanagers()
    before = sink_for(store, cfg, clock, fake)
    two = run(
        end=END,
        run_id=1,
        columns=(column("x1"), column("x2")),
        drift=DatasetDrift(1.0, 0.5, True, 2, 2),
    )
    before.publish(m, two, None)
    before.sender.cycle()
    one = run(
        end=END + timedelta(hours=1),
        run_id=2,
        columns=(column("x1"), column("x2", drifted=False, score=0.5)),
        drift=DatasetDrift(0.5, 0.5, True, 1, 2),
    )
    clock.now = END + timedelta(hours=1)
    before.publish(m, one, None)
    before.sender.cycle()
    resolved = [a for a in fake.alerts_to("am") if a["labels"].get("column") == "x2"]
    assert [a["endsAt"] for a in resolved][-1] == timestamp(END + timedelta(hours=1, seconds=9))
    fake.clear()

    clock.now = END + timedelta(hours=1, minutes=10)
    after = sink_for(store, cfg, clock, fake)
    after.sender.cycle()
    sent = {(a["labels"]["alertname"], a["labels"].get("column")): a for a in fake.alerts_to("am")}
    assert set(sent) == {("DatasetDriftDetected", None), ("ColumnDriftDetected", "x1")}
    for alert in sent.values():
        assert alert["startsAt"] == timestamp(END + timedelta(seconds=9))
        assert alert["endsAt"] == timestamp(clock.now + timedelta(minutes=4))
