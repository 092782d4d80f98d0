"""The alerts sink of ``driftwarden serve``: evaluation on publish, delivery in the background.

``publish`` evaluates the monitor's rules on the stored run and writes the
alerts' new state (a few rows in the results database), then wakes the sender;
it never waits for an Alertmanager. The exporter reads
:meth:`AlertSink.metric_samples` at each scrape.
"""

from __future__ import annotations

import httpx

from monitor.alerts.engine import AlertEngine, Clock
from monitor.alerts.rules import stale_limit
from monitor.alerts.sender import AlertSender
from monitor.config.alerts import AlertName
from monitor.config.models import Config, MonitorConfig
from monitor.exporter.samples import Samples, alert_samples
from monitor.result import RunResult
from monitor.runner import RunData
from monitor.store import Store
from monitor.store.alerts import AlertStore


class AlertSink:
    name = "alerts"

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        clock: Clock,
        transport: httpx.BaseTransport | None = None,
        poll: float = 5.0,
    ) -> None:
        self.engine = AlertEngine(AlertStore(store), config, clock=clock)
        self.sender = AlertSender(self.engine, transport=transport, poll=poll)

    def publish(self, monitor: MonitorConfig, result: RunResult, data: RunData | None) -> None:
        if self.engine.observe_run(monitor, result):
            self.sender.wake()

    def publish_reevaluation(
        self, monitor: MonitorConfig, result: RunResult, data: RunData | None, *, newest: bool
    ) -> None:
        """Performance alerts follow a re-evaluated window when it is the newest one with
        labelled figures; its drift and quality verdicts are left to the newest run."""
        if newest and self.engine.observe_reevaluation(monitor, result):
            self.sender.wake()

    def reconfigure(self, config: Config) -> None:
        self.engine.reconfigure(config)
        self.sender.reconfigure(config)

    def start(self) -> None:
        self.engine.start()
        self.sender.start()

    def stop(self, timeout: float) -> None:
        self.sender.stop(timeout)

    def lead(self, leading: bool) -> None:
        """Only the leader sends (so no alert goes out twice); a new leader first reads
        what the previous one stored."""
        if leading:
            self.engine.reload()
            self.sender.resume()
        else:
            self.sender.pause()

    def refresh(self) -> None:
        """On a standby: the firing counts as the leader stored them."""
        self.engine.reload()

    def metric_samples(self) -> Samples:
        firing: dict[tuple[str, str], int] = {}
        stale_after: dict[str, float] = {}
        for monitor in self.engine.config.monitors:
            for alertname in AlertName:
                if monitor.alerts.active(alertname):
                    firing[(monitor.name, alertname.value)] = 0
            limit = stale_limit(monitor)
            if limit is not None:
                stale_after[monitor.name] = limit.total_seconds()
        for key, count in self.engine.firing_counts().items():
            firing[key] = count
        return alert_samples(firing, self.sender.outcomes(), stale_after)
