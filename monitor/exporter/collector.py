"""The custom collector: driftwarden's families, built from the results held in memory
(:class:`~monitor.latest.LatestResults`) and the process-lifetime run counters
(:class:`~monitor.exporter.runstats.RunStats`).

A monitor's samples (and their pre-written lines, see
:mod:`monitor.exporter.exposition`) are rebuilt only when its results or counts
change; a scrape assembles the families from them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from prometheus_client.core import Metric
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample

from monitor.exporter import definitions as d
from monitor.exporter.exposition import (
    Block,
    lines,
    monitor_block,
    write_openmetrics,
    write_text,
)
from monitor.exporter.runstats import MonitorRunStats, RunStats
from monitor.exporter.samples import Samples, monitor_samples
from monitor.latest import LatestResults, MonitorLatest

_NOTHING = MonitorLatest()

log = logging.getLogger(__name__)

SampleSource = Callable[[], Samples]
"""Gives samples of families by name (see :meth:`DriftwardenCollector.add_source`)."""


class ConfigLoads:
    """Outcome of the latest config (re)load, for the reload gauges."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.successful: bool | None = None
        self.last_success: datetime | None = None

    def record(self, ok: bool, at: datetime) -> None:
        with self._lock:
            self.successful = ok
            if ok:
                self.last_success = at

    def samples(self) -> Samples:
        with self._lock:
            ok, last = self.successful, self.last_success
        out: Samples = {}
        if ok is not None:
            name = d.CONFIG_RELOAD_SUCCESS.name
            out[name] = [Sample(name, {}, 1.0 if ok else 0.0)]
        if last is not None:
            name = d.CONFIG_RELOAD_TIMESTAMP.name
            out[name] = [Sample(name, {}, last.timestamp())]
        return out


@dataclass(frozen=True)
class _Entry:
    latest: MonitorLatest
    runs: MonitorRunStats | None
    block: Block


class DriftwardenCollector(Collector):
    def __init__(
        self, latest: LatestResults, runs: RunStats, loads: ConfigLoads | None = None
    ) -> None:
        self._latest = latest
        self._runs = runs
        self._loads = loads or ConfigLoads()
        self._lock = threading.Lock()
        self._cache: dict[str, _Entry] = {}
        self._sources: list[SampleSource] = []

    def add_source(self, source: SampleSource) -> None:
        """Families not kept per monitor (e.g. alert counts), read at every scrape."""
        self._sources.append(source)

    def _extra(self) -> Samples:
        out: Samples = {}
        for source in (self._loads.samples, *self._sources):
            try:
                found = source()
            except Exception:
                log.exception("metrics source %r failed", source)
                continue
            for name, samples in found.items():
                out.setdefault(name, []).extend(samples)
        return out

    def describe(self) -> Iterator[Metric]:
        """The families without samples (registering does not collect)."""
        for metric in d.METRICS:
            yield _family(metric)

    def collect(self) -> Iterator[Metric]:
        """Every family with its samples, built afresh (prometheus-client's interface;
        ``/metrics`` uses :meth:`render`, which writes the same samples)."""
        latest = self._latest.snapshot()
        runs = self._runs.snapshot()
        per_monitor = [
            monitor_samples(name, latest.get(name, _NOTHING), runs.get(name))
            for name in _names(latest, runs)
        ]
        extra = self._extra()
        for metric in d.METRICS:
            family = _family(metric)
            for samples in per_monitor:
                family.samples.extend(samples[metric.name])
            family.samples.extend(extra.get(metric.name, ()))
            yield family

    def render(self, *, openmetrics: bool) -> str:
        """The families written out (OpenMetrics without its final ``# EOF``)."""
        blocks = self.refresh()
        extra = {name: lines(samples) for name, samples in self._extra().items()}
        return write_openmetrics(blocks, extra) if openmetrics else write_text(blocks, extra)

    def refresh(self) -> list[Block]:
        """Rewrite the lines of the monitors whose results or counts changed; return
        every monitor's lines. Called by the exporter after each run, so that a scrape
        rarely has anything to rewrite."""
        latest = self._latest.snapshot()
        runs = self._runs.snapshot()
        with self._lock:
            cache: dict[str, _Entry] = {}
            for name in _names(latest, runs):
                found_latest = latest.get(name, _NOTHING)
                found_runs = runs.get(name)
                entry = self._cache.get(name)
                if (
                    entry is None
                    or entry.latest is not found_latest
                    or entry.runs is not found_runs
                ):
                    samples = monitor_samples(name, found_latest, found_runs)
                    entry = _Entry(found_latest, found_runs, monitor_block(samples))
                cache[name] = entry
            self._cache = cache
            return [entry.block for entry in cache.values()]


def _names(latest: Mapping[str, object], runs: Mapping[str, object]) -> list[str]:
    return list(dict.fromkeys([*latest, *runs]))


def _family(metric: d.MetricDef) -> Metric:
    return Metric(metric.family_name, metric.help, metric.kind.value)
