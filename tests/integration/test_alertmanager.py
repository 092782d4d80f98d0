"""``driftwarden serve`` pushing to a real Alertmanager that notifies a webhook receiver.

- drift appears → the alerts are in Alertmanager with their labels, annotations and
  links; the receiver is notified; drift goes away → resolved there, and notified;
- Alertmanager down when an alert fires → it arrives once Alertmanager is up; an
  Alertmanager restart gets it back; a resolution made while it is down arrives after;
- the service restarted while an alert fires → same ``startsAt``, no second notification.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from monitor.reports.paths import stamp
from monitor.runner import utcnow
from tests.integration.alertmanager import Alertmanager, receiver, routing_config
from tests.integration.test_prometheus import wait
from tests.servers import free_port
from tests.service.harness import config_text
from tests.service.process import Served, serve
from tests.service.sources import NO_REPORT, monitor_toml, write_source

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ALERTS = """
[monitors.alerts]
labels = { team = "ml" }
runbook_url = "https://runbooks.example.com/{alertname}"
"""


def write_config(root: Path, source_url: str, port: int, am_url: str, *, report: bool) -> Path:
    service = f"""listen = "127.0.0.1:{port}"
public_url = "http://127.0.0.1:{port}"
run_timeout = "60s"

[alerting]
alertmanager_urls = ["{am_url}"]
resend_interval = "5s"
max_backoff = "1s"
"""
    extra = ALERTS + ("" if report else NO_REPORT)
    path = root / "config.toml"
    path.write_text(
        config_text(
            root,
            source_url,
            service=service,
            monitors=monitor_toml("churn", source_url, utcnow(), extra=extra),
        )
    )
    return path


def newest_run(s: Served) -> dict[str, Any]:
    churn = s.get("/api/monitors").json()[0]
    run: dict[str, Any] = s.get(f"/api/runs/{churn['last_run']['id']}").json()
    return run


def metric_value(s: Served, line_start: str) -> float:
    for line in s.get("/metrics").text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    raise KeyError(line_start)


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_drift_fires_in_alertmanager_notifies_and_resolves(tmp_path: Path) -> None:
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    now = utcnow()
    write_source(source_url, now)
    port = free_port()
    with receiver() as hook:
        am = Alertmanager(tmp_path, routing_config(hook.url))
        am.start()
        try:
            config = write_config(tmp_path, source_url, port, am.url, report=True)
            with serve(config, port) as s:
                wait(lambda: am.alert("DatasetDriftDetected") is not None, 60, "the alert")
                run = newest_run(s)
                drift = run["dataset_drift"]
                assert run["status"] == "ok" and drift["detected"]
                base = f"http://127.0.0.1:{port}"
                alert = am.alert("DatasetDriftDetected")
                assert alert is not None
                assert alert["labels"] == {
                    "alertname": "DatasetDriftDetected",
                    "monitor": "churn",
                    "service": "driftwarden",
                    "severity": "warning",
                    "team": "ml",
                }
                notes = alert["annotations"]
                assert notes["summary"] == (
                    f"Dataset drift in monitor churn: {drift['drifted_columns']} of "
                    f"{drift['tested_columns']} features drifted"
                )
                assert f"{drift['share']:.4g}" in notes["description"]
                assert f"threshold {drift['threshold']:.4g}" in notes["description"]
                window_end = datetime.fromisoformat(run["window_end"])
                assert notes["report_url"] == f"{base}/reports/churn/{stamp(window_end)}.html"
                assert notes["runbook_url"] == "https://runbooks.example.com/DatasetDriftDetected"
                assert alert["generatorURL"] == f"{base}/api/runs/{run['id']}"
                # Both links lead somewhere: the run in the API, the report once written.
                assert httpx.get(alert["generatorURL"], timeout=10).json()["id"] == run["id"]
                wait(
                    lambda: httpx.get(notes["report_url"], timeout=10).status_code == 200,
                    120,
                    "the report",
                )

                drifted = [c for c in run["columns"] if c["drifted"]]
                assert drifted
                wait(
                    lambda: (
                        len([a for a in am.alerts() if "column" in a["labels"]]) == len(drifted)
                    ),
                    30,
                    "one alert per drifted column",
                )
                by_column = {
                    a["labels"]["column"]: a for a in am.alerts() if "column" in a["labels"]
                }
                for c in drifted:
                    found = by_column[c["column"]]
                    assert found["labels"]["role"] == c["role"]
                    assert found["labels"]["severity"] == "info"
                    assert (
                        f"{c['score']:.4g} against threshold {c['threshold']:.4g}"
                        in (found["annotations"]["description"])
                    )

                wait(lambda: hook.about("DatasetDriftDetected", "firing"), 30, "the notification")
                (note,) = hook.about("DatasetDriftDetected", "firing")
                assert note["alerts"][0]["labels"]["monitor"] == "churn"
                assert note["alerts"][0]["annotations"]["report_url"] == notes["report_url"]
                starts = parse_time(alert["startsAt"])

                # The drift goes away: the next run of the same window resolves the alert.
                write_source(source_url, now, drifted=False)
                answer = s.post("/api/monitors/churn/run")
                assert answer.status_code == 200, answer.text
                calm = s.get(f"/api/runs/{answer.json()['run_id']}").json()
                assert calm["status"] == "ok" and not calm["dataset_drift"]["detected"]
                wait(lambda: am.alert("DatasetDriftDetected") is None, 30, "the resolution")
                wait(lambda: hook.about("DatasetDriftDetected", "resolved"), 30, "resolved note")
                (resolved,) = hook.about("DatasetDriftDetected", "resolved")
                ended = resolved["alerts"][0]
                assert ended["status"] == "resolved"
                assert parse_time(ended["startsAt"]) == starts
                assert parse_time(ended["endsAt"]) >= starts
                firing = (
                    'driftwarden_alerts_firing{monitor="churn",alertname="DatasetDriftDetected"}'
                )
                assert metric_value(s, firing) == 0.0
                delivered = 'driftwarden_alert_notifications_total{outcome="delivered"}'
                assert metric_value(s, delivered) >= 2
                assert s.stop() == 0
        finally:
            am.stop()


def test_outages_of_alertmanager_and_of_the_service_lose_and_repeat_nothing(
    tmp_path: Path,
) -> None:
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    now = utcnow()
    write_source(source_url, now)
    port = free_port()
    with receiver() as hook:
        am = Alertmanager(tmp_path, routing_config(hook.url))
        config = write_config(tmp_path, source_url, port, am.url, report=False)
        try:
            # 1. The alert fires while Alertmanager is down: kept, retried, delivered later.
            with serve(config, port) as s:
                failed = 'driftwarden_alert_notifications_total{outcome="failed"}'
                s.wait_for(lambda: metric_value(s, failed) >= 2, 60, "failed deliveries")
                assert s.get("/api/monitors").json()[0]["status"] == "ok"
                am.start()
                wait(lambda: am.alert("DatasetDriftDetected") is not None, 30, "late delivery")
                wait(lambda: hook.about("DatasetDriftDetected", "firing"), 30, "the notification")
                starts = am.alert("DatasetDriftDetected")["startsAt"]  # type: ignore[index]
                assert s.stop() == 0

            # 2. The service restarts while the alert fires: same startsAt, no new notification.
            restarted_at = time.time()
            with serve(config, port) as s:
                wait(
                    lambda: (
                        parse_time(am.alert("DatasetDriftDetected")["updatedAt"]).timestamp()  # type: ignore[index]
                        > restarted_at
                    ),
                    30,
                    "a resend from the restarted service",
                )
                assert am.alert("DatasetDriftDetected")["startsAt"] == starts  # type: ignore[index]

                # 3. Alertmanager restarts (it keeps no alerts): the resend brings it back.
                am.stop()
                am.start()
                wait(lambda: am.alert("DatasetDriftDetected") is not None, 30, "the resend")
                assert am.alert("DatasetDriftDetected")["startsAt"] == starts  # type: ignore[index]
                time.sleep(3)  # several group intervals: a duplicate would have been sent
                assert len(hook.about("DatasetDriftDetected", "firing")) == 1

                # 4. The drift ends while Alertmanager is down: the resolution waits for it.
                am.stop()
                write_source(source_url, now, drifted=False)
                answer = s.post("/api/monitors/churn/run")
                assert answer.status_code == 200, answer.text
                assert not s.get(f"/api/runs/{answer.json()['run_id']}").json()["dataset_drift"][
                    "detected"
                ]
                time.sleep(2)
                am.start()
                wait(lambda: hook.about("DatasetDriftDetected", "resolved"), 30, "the resolution")
                assert am.alert("DatasetDriftDetected") is None
                (resolved,) = hook.about("DatasetDriftDetected", "resolved")
                assert resolved["alerts"][0]["startsAt"].startswith(starts[:19])
                assert len(hook.about("DatasetDriftDetected", "firing")) == 1
                assert s.stop() == 0
        finally:
            am.stop()
