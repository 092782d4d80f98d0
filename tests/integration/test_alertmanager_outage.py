"""A real Alertmanager down while alerts fire and while they resolve: every alert of the
run arrives once per state, as the outbox rows in the results database say.

The webhook groups by every label, so each alert has notifications of its own: one
``firing`` and one ``resolved`` per alert, however long Alertmanager was away.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from monitor.alerts.client import timestamp
from monitor.alerts.state import Alert, State
from monitor.runner import utcnow
from monitor.store import Store
from monitor.store.alerts import AlertStore
from tests.integration.alertmanager import Alertmanager, receiver
from tests.integration.test_alertmanager import metric_value
from tests.integration.test_prometheus import wait
from tests.servers import free_port
from tests.service.harness import config_text
from tests.service.process import serve
from tests.service.sources import NO_REPORT, monitor_toml, write_source

pytestmark = [pytest.mark.integration, pytest.mark.slow]

Labels = tuple[tuple[str, str], ...]


def per_alert_routing(hook_url: str) -> str:
    return f"""
route:
  receiver: hook
  group_by: ['...']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: {hook_url}
        send_resolved: true
"""


def labels_of(alert: Alert | dict[str, Any]) -> Labels:
    found = alert.labels if isinstance(alert, Alert) else alert["labels"]
    return tuple(sorted(found.items()))


class Outbox:
    def __init__(self, store_url: str, am_url: str) -> None:
        self.store_url, self.am_url = store_url, am_url

    def rows(self) -> list[tuple[Alert, tuple[int, Any, int, str | None]]]:
        store = Store.open(self.store_url, upgrade=False)
        try:
            alerts = AlertStore(store)
            return [(a, alerts.outbox(a.id)[self.am_url]) for a in alerts.all() if a.id]
        finally:
            store.close()

    def settled(self) -> bool:
        """Alertmanager accepted the current version of every alert."""
        return all(row[0] == alert.version for alert, row in self.rows())


def notified(hook: Any, status: str) -> Counter[Labels]:
    """Alerts per label set in the webhook's notifications of ``status``."""
    return Counter(
        labels_of(a) for n in hook.received() if n["status"] == status for a in n["alerts"]
    )


def test_alerts_fired_and_resolved_while_alertmanager_is_down_arrive_once_per_state(
    tmp_path: Path,
) -> None:
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    store_url = f"sqlite:///{tmp_path / 'driftwarden.db'}"
    now = utcnow()
    write_source(source_url, now)
    port = free_port()
    with receiver() as hook:
        am = Alertmanager(tmp_path, per_alert_routing(hook.url))
        service = f"""listen = "127.0.0.1:{port}"
run_timeout = "60s"

[alerting]
alertmanager_urls = ["{am.url}"]
resend_interval = "1h"
max_backoff = "1s"
"""
        config = tmp_path / "config.toml"
        config.write_text(
            config_text(
                tmp_path,
                source_url,
                service=service,
                monitors=monitor_toml("churn", source_url, now, extra=NO_REPORT),
            )
        )
        outbox = Outbox(store_url, am.url)
        try:
            with serve(config, port) as s:
                # Down: the run's alerts wait in the outbox with the connection error.
                failed = 'driftwarden_alert_notifications_total{outcome="failed"}'
                s.wait_for(lambda: metric_value(s, failed) > 0, 60, "failed deliveries")
                s.wait_for(lambda: all(r[2] >= 2 for _, r in outbox.rows()), 30, "retries")
                waiting = outbox.rows()
                assert len(waiting) >= 3, "the drifted run fires several alerts"
                assert {a.state for a, _ in waiting} == {State.FIRING}
                for _alert, (delivered, sent, _attempts, error) in waiting:
                    assert delivered == 0 and sent is None
                    assert error is not None and "ConnectError" in error
                firing = {labels_of(a): a for a, _ in waiting}

                # Back up on the same port: each alert arrives, with its first startsAt.
                am.start()
                s.wait_for(outbox.settled, 30, "delivery once Alertmanager is up")
                shown = {labels_of(a): a for a in am.alerts()}
                assert set(shown) == set(firing)
                for key, alert in firing.items():
                    assert shown[key]["startsAt"] == timestamp(alert.starts_at)
                    assert shown[key]["status"]["state"] == "active"
                wait(lambda: set(notified(hook, "firing")) == set(firing), 30, "notifications")
                time.sleep(3)  # several group intervals: a repeat would have been notified
                assert set(notified(hook, "firing").values()) == {1}

                # Down again while the drift ends: the resolutions wait, then arrive once.
                am.stop()
                write_source(source_url, now, drifted=False)
                answer = s.post("/api/monitors/churn/run")
                assert answer.status_code == 200, answer.text
                s.wait_for(lambda: not outbox.settled(), 10, "resolutions in the outbox")
                resolved = {labels_of(a) for a, _ in outbox.rows() if a.state is State.RESOLVED}
                assert resolved == set(firing)
                time.sleep(2)
                am.start()
                s.wait_for(outbox.settled, 30, "the resolutions")
                wait(lambda: set(notified(hook, "resolved")) == resolved, 30, "resolved notes")
                time.sleep(3)
                assert set(notified(hook, "resolved").values()) == {1}
                assert set(notified(hook, "firing").values()) == {1}
                assert am.alerts() == []
                for alert, (delivered, _sent, attempts, error) in outbox.rows():
                    assert (delivered, attempts, error) == (alert.version, 0, None)
                assert s.stop() == 0
        finally:
            am.stop()
