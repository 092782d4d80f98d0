"""The alerts sink inside the daemon: built by default, exported on ``/metrics``."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families as parse
from prometheus_client.registry import CollectorRegistry

from monitor.alerts import AlertSink
from monitor.config import load_config
from monitor.service.daemon import Daemon
from monitor.service.http import create_app
from monitor.service.sinks import SINK_FACTORIES, build_sinks
from monitor.store import Store
from tests.alerts.fakes import FakeAlertmanagers
from tests.exporter.test_exposition import parsed
from tests.servers import binary
from tests.service.appclient import AppClient
from tests.service.fakes import FakeClock
from tests.service.harness import config_text, wait_idle
from tests.service.sources import NO_REPORT, NOW, monitor_toml, write_source


def test_serve_builds_the_alert_sink_before_the_report_sink(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    (tmp_path / "config.toml").write_text(config_text(tmp_path, source))
    cfg = load_config(tmp_path / "config.toml", environ={})
    store = Store.open(cfg.service.store_url)
    try:
        from monitor.runner import Runner

        sinks = build_sinks(cfg, store, Runner(), SINK_FACTORIES)
        assert [s.name for s in sinks] == ["alerts", "reports"]
    finally:
        store.close()


def test_metrics_show_the_firing_alerts_and_the_notifications(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    write_source(source, NOW)
    path = tmp_path / "config.toml"
    path.write_text(
        config_text(
            tmp_path,
            source,
            service='\n[alerting]\nalertmanager_urls = ["http://am:9093"]\n',
            monitors=monitor_toml("churn", source, extra=NO_REPORT),
        )
    )
    cfg = load_config(path, environ={})
    store = Store.open(cfg.service.store_url)
    clock = FakeClock(NOW)
    fake = FakeAlertmanagers()
    sink = AlertSink(cfg, store, clock=clock, transport=fake.transport(), poll=0.1)
    registry = CollectorRegistry()
    daemon = Daemon(cfg, store, clock=clock, sinks=[sink], registry=registry, process_metrics=False)
    daemon.start()
    client = AppClient(create_app(daemon))
    try:
        wait_idle(daemon)
        deadline = time.monotonic() + 20
        while len(fake.alerts_to("am")) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        run = daemon.latest.get("churn").last
        assert run is not None and run.dataset_drift is not None and run.dataset_drift.detected
        drifted = len(run.drifted_columns)
        text = client.get("/metrics").text
        families = {f.name: f for f in parse(text)}
        firing = {
            s.labels["alertname"]: s.value for s in families["driftwarden_alerts_firing"].samples
        }
        assert firing["DatasetDriftDetected"] == 1
        assert firing["ColumnDriftDetected"] == drifted
        assert firing["MonitorRunFailing"] == 0
        assert "DataQualityCheckFailed" not in firing
        (threshold,) = families["driftwarden_dataset_drift_threshold"].samples
        assert threshold.value == run.dataset_drift.threshold == 0.5
        outcomes = {
            s.labels["outcome"]: s.value
            for s in families["driftwarden_alert_notifications"].samples
        }
        sent = len(fake.alerts_to("am"))
        assert sent == 1 + drifted
        assert outcomes == {"delivered": sent, "failed": 0, "rejected": 0}
        assert sum(1 for a in sink.engine.store.active() if a.state.value == "firing") == sum(
            firing.values()
        )
        # prometheus-client's writer (from collect()) says the same.
        ours = parsed(parse(text))
        theirs = parsed(parse(generate_latest(registry).decode()))
        for name in ("driftwarden_alerts_firing", "driftwarden_alert_notifications"):
            assert ours[name] == theirs[name]
        checked = subprocess.run(
            [binary("promtool"), "check", "metrics"],
            input=text.encode(),
            capture_output=True,
            timeout=30,
        )
        assert checked.returncode == 0, checked.stderr.decode() + checked.stdout.decode()
    finally:
        client.close()
        daemon.stop(grace=5)
        store.close()
