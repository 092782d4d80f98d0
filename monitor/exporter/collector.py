"""The custom collector: builds every driftwarden family at scrape time from the
results held in memory (:class:`~monitor.latest.LatestResults`) and the
process-lifetime run counters (:class:`~monitor.exporter.runstats.RunStats`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator, Mapping
from datetime import datetime

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from monitor.exporter import definitions as d
from monitor.exporter.runstats import RunStats
from monitor.latest import LatestResults, MonitorLatest
from monitor.result import RunResult, RunStatus
from monitor.traffic import TrafficSummary


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

    def read(self) -> tuple[bool | None, datetime | None]:
        with self._lock:
            return self.successful, self.last_success


def gauge(metric: d.MetricDef) -> GaugeMetricFamily:
    assert metric.kind is d.Kind.GAUGE
    return GaugeMetricFamily(metric.family_name, metric.help, labels=metric.labels)


class DriftwardenCollector(Collector):
    def __init__(
        self, latest: LatestResults, runs: RunStats, loads: ConfigLoads | None = None
    ) -> None:
        self._latest = latest
        self._runs = runs
        self._loads = loads

    def describe(self) -> Iterator[Metric]:
        """The families without samples (registering does not collect)."""
        for metric in d.METRICS:
            yield _empty(metric)

    def collect(self) -> Iterator[Metric]:
        latest = self._latest.snapshot()
        yield from _column_families(latest)
        yield from _dataset_families(latest)
        yield from _performance_families(latest)
        yield from _status_families(latest)
        yield from self._run_families()
        yield from _traffic_families(latest)
        yield from self._load_families()

    def _run_families(self) -> Iterator[Metric]:
        stats = self._runs.snapshot()
        runs = CounterMetricFamily(d.RUNS.family_name, d.RUNS.help, labels=d.RUNS.labels)
        duration = HistogramMetricFamily(
            d.RUN_DURATION.family_name, d.RUN_DURATION.help, labels=d.RUN_DURATION.labels
        )
        for name, s in stats.items():
            for status in RunStatus:
                runs.add_metric([name, status.value], s.runs.get(status.value, 0))
            buckets = [(_bound(b), float(n)) for b, n in s.cumulative()]
            buckets.append(("+Inf", float(s.count)))
            duration.add_metric([name], buckets, s.total_seconds)
        yield runs
        yield duration

    def _load_families(self) -> Iterator[Metric]:
        if self._loads is None:
            return
        ok, last = self._loads.read()
        success = gauge(d.CONFIG_RELOAD_SUCCESS)
        stamp = gauge(d.CONFIG_RELOAD_TIMESTAMP)
        if ok is not None:
            success.add_metric([], 1.0 if ok else 0.0)
        if last is not None:
            stamp.add_metric([], last.timestamp())
        yield success
        yield stamp


def _bound(value: float) -> str:
    """A bucket bound or quantile as Prometheus writes it (``0.1``, ``1.0``, ``+Inf``)."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def _empty(metric: d.MetricDef) -> Metric:
    if metric.kind is d.Kind.COUNTER:
        return CounterMetricFamily(metric.family_name, metric.help, labels=metric.labels)
    if metric.kind is d.Kind.HISTOGRAM:
        return HistogramMetricFamily(metric.family_name, metric.help, labels=metric.labels)
    if metric.kind is d.Kind.SUMMARY:
        return Metric(metric.family_name, metric.help, "summary")
    if metric.kind is d.Kind.GAUGE_HISTOGRAM:
        return GaugeHistogramMetricFamily(metric.family_name, metric.help, labels=metric.labels)
    return gauge(metric)


def _ok_runs(latest: Mapping[str, MonitorLatest]) -> Iterator[tuple[str, RunResult]]:
    for name, item in latest.items():
        if item.last_ok is not None:
            yield name, item.last_ok


def _column_families(latest: Mapping[str, MonitorLatest]) -> Iterator[Metric]:
    score = gauge(d.COLUMN_DRIFT_SCORE)
    threshold = gauge(d.COLUMN_DRIFT_THRESHOLD)
    detected = gauge(d.COLUMN_DRIFT_DETECTED)
    for name, run in _ok_runs(latest):
        for c in run.columns:
            role = c.role.value
            method = c.method or ""
            if c.score is not None:
                score.add_metric([name, c.column, method, role], c.score)
            if c.threshold is not None:
                threshold.add_metric([name, c.column, method, role], c.threshold)
            if c.drifted is not None:
                detected.add_metric([name, c.column, role], 1.0 if c.drifted else 0.0)
    yield score
    yield threshold
    yield detected


def _dataset_families(latest: Mapping[str, MonitorLatest]) -> Iterator[Metric]:
    share = gauge(d.DATASET_DRIFT_SHARE)
    detected = gauge(d.DATASET_DRIFT_DETECTED)
    for name, run in _ok_runs(latest):
        if run.dataset_drift is not None:
            share.add_metric([name], run.dataset_drift.share)
            detected.add_metric([name], 1.0 if run.dataset_drift.detected else 0.0)
    yield share
    yield detected


def _performance_families(latest: Mapping[str, MonitorLatest]) -> Iterator[Metric]:
    value = gauge(d.PERFORMANCE_METRIC)
    bound = gauge(d.PERFORMANCE_BOUND)
    for name, run in _ok_runs(latest):
        for m in run.metrics:
            if m.value is not None:
                value.add_metric([name, m.metric], m.value)
            if m.lower_bound is not None:
                bound.add_metric([name, m.metric, "min"], m.lower_bound)
            if m.upper_bound is not None:
                bound.add_metric([name, m.metric, "max"], m.upper_bound)
    yield value
    yield bound


def _status_families(latest: Mapping[str, MonitorLatest]) -> Iterator[Metric]:
    rows = gauge(d.WINDOW_ROWS)
    last_run = gauge(d.LAST_RUN_TIMESTAMP)
    last_success = gauge(d.LAST_SUCCESS_TIMESTAMP)
    up = gauge(d.MONITOR_UP)
    for name, item in latest.items():
        if item.last is not None:
            run = item.last
            if run.rows_reference is not None:
                rows.add_metric([name, "reference"], float(run.rows_reference))
            if run.rows_current is not None:
                rows.add_metric([name, "current"], float(run.rows_current))
            last_run.add_metric([name], run.finished_at.timestamp())
            up.add_metric([name], 0.0 if run.status is RunStatus.ERROR else 1.0)
        if item.last_ok is not None:
            last_success.add_metric([name], item.last_ok.finished_at.timestamp())
    yield rows
    yield last_run
    yield last_success
    yield up


def _traffic_families(latest: Mapping[str, MonitorLatest]) -> Iterator[Metric]:
    values = GaugeHistogramMetricFamily(
        d.PREDICTION_VALUE.family_name, d.PREDICTION_VALUE.help, labels=d.PREDICTION_VALUE.labels
    )
    latency = Metric(d.PREDICTION_LATENCY.family_name, d.PREDICTION_LATENCY.help, "summary")
    for name, item in latest.items():
        traffic = _latest_traffic(item)
        if traffic is None:
            continue
        if traffic.prediction is not None:
            p = traffic.prediction
            buckets = [
                (_bound(b), float(n))
                for b, n in zip(p.upper_bounds, p.cumulative, strict=True)
                if math.isfinite(b)
            ]
            buckets.append(("+Inf", float(p.count)))
            values.add_metric([name], buckets, p.total)
        if traffic.latency is not None:
            for q, seconds in traffic.latency.quantiles:
                latency.add_sample(
                    latency.name, {"monitor": name, "quantile": _bound(q)}, seconds
                )
    yield values
    yield latency


def _latest_traffic(item: MonitorLatest) -> TrafficSummary | None:
    """Traffic of the newest run that read its current window."""
    for run in (item.last, item.last_ok):
        if run is not None and run.traffic is not None:
            return run.traffic
    return None
