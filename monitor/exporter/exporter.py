"""The Prometheus exporter: its own registry, the driftwarden collector and the
process collectors, and the ``/metrics`` rendering with content negotiation."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import (
    GCCollector,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import CollectorRegistry

from monitor.config.models import Config, MonitorConfig
from monitor.exporter.collector import ConfigLoads, DriftwardenCollector, SampleSource
from monitor.exporter.runstats import RunStats
from monitor.latest import LatestResults
from monitor.result import RunResult
from monitor.runner import RunData


class Exporter:
    """A sink: each published run counts in ``driftwarden_runs_total`` and the duration
    histogram; the gauges are read from ``latest``. Publish it after ``latest`` so that
    the monitor's lines are rewritten at once, off the scrape."""

    name = "exporter"
    needs_store = False

    def __init__(
        self,
        latest: LatestResults,
        *,
        registry: CollectorRegistry | None = None,
        process_metrics: bool = True,
    ) -> None:
        self.latest = latest
        self.runs = RunStats()
        self.loads = ConfigLoads()
        self.collector = DriftwardenCollector(latest, self.runs, self.loads)
        self.registry = registry if registry is not None else CollectorRegistry()
        """Every family (driftwarden's and the process's), for prometheus-client's tools."""
        self.registry.register(self.collector)
        self._process = CollectorRegistry()
        if process_metrics:
            for collector in (
                ProcessCollector(registry=self._process),
                PlatformCollector(registry=self._process),
                GCCollector(registry=self._process),
            ):
                self.registry.register(collector)

    def publish(self, monitor: MonitorConfig, result: RunResult, data: RunData | None) -> None:
        self.runs.publish(monitor, result, data)
        self.collector.refresh()

    def publish_reevaluation(
        self, monitor: MonitorConfig, result: RunResult, data: RunData | None, *, newest: bool
    ) -> None:
        """A re-evaluation rewrites the gauges (through ``latest``) without counting in
        ``driftwarden_runs_total``, which counts the scheduled windows."""
        self.collector.refresh()

    def reconfigure(self, config: Config) -> None:
        self.runs.reconfigure(config)
        self.collector.refresh()

    def add_source(self, source: SampleSource) -> None:
        """Samples of families not kept per monitor, read at every scrape (e.g. alerts)."""
        self.collector.add_source(source)

    def config_loaded(self, ok: bool, at: datetime) -> None:
        self.loads.record(ok, at)

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """The exposition (OpenMetrics when the scraper asks for it) and its content type."""
        encoder, content_type = choose_encoder(accept or "")
        openmetrics = content_type.startswith("application/openmetrics-text")
        ours = self.collector.render(openmetrics=openmetrics).encode("utf-8")
        process = encoder(self._process)
        return ours + process, content_type
