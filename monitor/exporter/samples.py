"""The samples of one monitor, family by family, from its latest results and run counts.

Pure functions: the collector calls :func:`monitor_samples` when a monitor's
results or counts change, and keeps the outcome until the next change.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from prometheus_client.samples import Sample

from monitor.exporter import definitions as d
from monitor.exporter.runstats import MonitorRunStats
from monitor.latest import MonitorLatest
from monitor.result import CheckStatus, QualityCheck, RunResult, RunStatus
from monitor.traffic import TrafficSummary

Samples = dict[str, list[Sample]]
"""Family name (as in :data:`~monitor.exporter.definitions.METRICS`) to its samples."""


def bound(value: float) -> str:
    """A bucket bound or quantile as Prometheus writes it (``0.1``, ``1.0``, ``+Inf``)."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def alert_samples(
    firing: Mapping[tuple[str, str], int],
    notifications: Mapping[str, int],
    stale_after: Mapping[str, float],
) -> Samples:
    """``driftwarden_alerts_firing`` per (monitor, alertname), the notification counter and
    each monitor's staleness limit in seconds."""
    gauge = d.ALERTS_FIRING
    counter = d.ALERT_NOTIFICATIONS
    stale = d.MONITOR_STALE_AFTER
    return {
        stale.name: [
            Sample(stale.name, {"monitor": monitor}, float(seconds))
            for monitor, seconds in sorted(stale_after.items())
        ],
        gauge.name: [
            Sample(gauge.name, {"monitor": monitor, "alertname": alertname}, float(count))
            for (monitor, alertname), count in sorted(firing.items())
        ],
        counter.name: [
            Sample(counter.name, {"outcome": outcome}, float(count))
            for outcome, count in sorted(notifications.items())
        ],
    }


def store_samples(*, up: bool, buffered: int, dropped: int) -> Samples:
    """The results database's health as the daemon sees it, and its buffer."""
    return {
        d.STORE_UP.name: [Sample(d.STORE_UP.name, {}, float(up))],
        d.STORE_BUFFERED_RESULTS.name: [Sample(d.STORE_BUFFERED_RESULTS.name, {}, float(buffered))],
        d.STORE_BUFFER_DROPPED.name: [Sample(d.STORE_BUFFER_DROPPED.name, {}, float(dropped))],
    }


def monitor_samples(name: str, latest: MonitorLatest, runs: MonitorRunStats | None) -> Samples:
    out: Samples = {m.name: [] for m in d.METRICS}

    def add(metric: d.MetricDef, values: tuple[str, ...], value: float, suffix: str = "") -> None:
        out[metric.name].append(
            Sample(
                metric.family_name + suffix,
                dict(zip(metric.labels, values, strict=True)),
                float(value),
            )
        )

    if latest.last_ok is not None:
        _results(name, latest.last_ok, add)
        if latest.last_ok.label_coverage is not None:
            add(d.LABEL_COVERAGE, (name,), latest.last_ok.label_coverage)
    performance = latest.performance or latest.last_ok
    if performance is not None:
        _performance(name, performance, add)
    if latest.last is not None:
        _status(name, latest.last, add)
    if latest.last_ok is not None:
        add(d.LAST_SUCCESS_TIMESTAMP, (name,), latest.last_ok.finished_at.timestamp())
    traffic = _latest_traffic(latest)
    if traffic is not None:
        _traffic(name, traffic, out)
    if runs is not None:
        _runs(name, runs, out)
    return out


Add = Callable[..., None]


def _results(name: str, run: RunResult, add: Add) -> None:
    for c in run.columns:
        role = c.role.value
        method = c.method or ""
        if c.score is not None:
            add(d.COLUMN_DRIFT_SCORE, (name, c.column, method, role), c.score)
        if c.threshold is not None:
            add(d.COLUMN_DRIFT_THRESHOLD, (name, c.column, method, role), c.threshold)
        if c.drifted is not None:
            add(d.COLUMN_DRIFT_DETECTED, (name, c.column, role), 1.0 if c.drifted else 0.0)
    if run.dataset_drift is not None:
        add(d.DATASET_DRIFT_SHARE, (name,), run.dataset_drift.share)
        add(d.DATASET_DRIFT_DETECTED, (name,), 1.0 if run.dataset_drift.detected else 0.0)
        add(d.DATASET_DRIFT_THRESHOLD, (name,), run.dataset_drift.threshold)
    for m in run.estimated:
        if m.value is not None:
            add(d.PERFORMANCE_ESTIMATED, (name, m.metric), m.value)
        if m.lower_bound is not None:
            add(d.PERFORMANCE_ESTIMATED_BOUND, (name, m.metric, "min"), m.lower_bound)
        if m.upper_bound is not None:
            add(d.PERFORMANCE_ESTIMATED_BOUND, (name, m.metric, "max"), m.upper_bound)
    _quality(name, run, add)
    for v in run.multivariate:
        if v.score is not None and math.isfinite(v.score):
            add(d.MULTIVARIATE_DRIFT_SCORE, (name, v.method), v.score)
        if v.detected is not None:
            add(d.MULTIVARIATE_DRIFT_DETECTED, (name, v.method), 1.0 if v.detected else 0.0)


def _performance(name: str, run: RunResult, add: Add) -> None:
    """Performance figures: of the newest window with labelled figures (see
    :attr:`MonitorLatest.performance`), else of the newest successful run."""
    for m in run.metrics:
        if m.value is not None:
            add(d.PERFORMANCE_METRIC, (name, m.metric), m.value)
        if m.lower_bound is not None:
            add(d.PERFORMANCE_BOUND, (name, m.metric, "min"), m.lower_bound)
        if m.upper_bound is not None:
            add(d.PERFORMANCE_BOUND, (name, m.metric, "max"), m.upper_bound)


_RATIOS = {
    QualityCheck.UNSEEN_SHARE: d.COLUMN_UNSEEN_RATIO,
    QualityCheck.OUT_OF_RANGE_SHARE: d.COLUMN_OUT_OF_RANGE_RATIO,
}


def _quality(name: str, run: RunResult, add: Add) -> None:
    for q in run.quality:
        column = q.column or ""
        if q.check is QualityCheck.MISSING_SHARE:
            if q.value is not None:
                add(d.COLUMN_MISSING_RATIO, (name, column, "current"), q.value)
            if q.reference_value is not None:
                add(d.COLUMN_MISSING_RATIO, (name, column, "reference"), q.reference_value)
        elif q.check in _RATIOS and q.value is not None:
            add(_RATIOS[q.check], (name, column), q.value)
        if q.status in (CheckStatus.OK, CheckStatus.BREACHED):
            breached = 1.0 if q.status is CheckStatus.BREACHED else 0.0
            add(d.QUALITY_BREACHED, (name, q.check.value, column), breached)


def _status(name: str, run: RunResult, add: Add) -> None:
    if run.rows_reference is not None:
        add(d.WINDOW_ROWS, (name, "reference"), run.rows_reference)
    if run.rows_current is not None:
        add(d.WINDOW_ROWS, (name, "current"), run.rows_current)
    add(d.LAST_RUN_TIMESTAMP, (name,), run.finished_at.timestamp())
    add(d.MONITOR_UP, (name,), 0.0 if run.status is RunStatus.ERROR else 1.0)


def _latest_traffic(latest: MonitorLatest) -> TrafficSummary | None:
    """Traffic of the newest run that read its current window."""
    for run in (latest.last, latest.last_ok):
        if run is not None and run.traffic is not None:
            return run.traffic
    return None


def _traffic(name: str, traffic: TrafficSummary, out: Samples) -> None:
    labels = {"monitor": name}
    if traffic.prediction is not None:
        p = traffic.prediction
        family = d.PREDICTION_VALUE.family_name
        samples = out[d.PREDICTION_VALUE.name]
        for upper, count in zip(p.upper_bounds, p.cumulative, strict=True):
            if math.isfinite(upper):
                samples.append(
                    Sample(family + "_bucket", {**labels, "le": bound(upper)}, float(count))
                )
        samples.append(Sample(family + "_bucket", {**labels, "le": "+Inf"}, float(p.count)))
        samples.append(Sample(family + "_gcount", labels, float(p.count)))
        samples.append(Sample(family + "_gsum", labels, p.total))
    if traffic.latency is not None:
        family = d.PREDICTION_LATENCY.family_name
        out[d.PREDICTION_LATENCY.name].extend(
            Sample(family, {**labels, "quantile": bound(q)}, seconds)
            for q, seconds in traffic.latency.quantiles
        )


def _runs(name: str, runs: MonitorRunStats, out: Samples) -> None:
    counter = out[d.RUNS.name]
    for status, count in runs.by_status().items():
        counter.append(Sample(d.RUNS.name, {"monitor": name, "status": status}, float(count)))
    family = d.RUN_DURATION.family_name
    histogram = out[d.RUN_DURATION.name]
    labels = {"monitor": name}
    for upper, count in runs.cumulative():
        histogram.append(Sample(family + "_bucket", {**labels, "le": bound(upper)}, float(count)))
    histogram.append(Sample(family + "_bucket", {**labels, "le": "+Inf"}, float(runs.count)))
    histogram.append(Sample(family + "_count", labels, float(runs.count)))
    histogram.append(Sample(family + "_sum", labels, runs.total_seconds))
