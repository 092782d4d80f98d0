"""The newest results of each monitor, held in memory for ``/metrics`` and the API.

A sink: every published result updates it. At start it is restored from the
store, so a restart keeps what was last seen. When the config changes,
monitors, columns and metrics no longer configured are dropped.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from monitor.config.models import Config, MonitorConfig
from monitor.result import Role, RunResult, RunStatus
from monitor.runner import RunData
from monitor.store import Store
from monitor.traffic import TrafficSummary


@dataclass(frozen=True)
class MonitorLatest:
    last: RunResult | None = None
    """The newest run, whatever its status."""
    last_ok: RunResult | None = None
    """The newest run with status ``ok`` (its columns and metrics feed the gauges)."""
    last_error: RunResult | None = None
    """The newest run with status ``error``."""
    performance: RunResult | None = None
    """The latest evaluation of the newest window with performance figures computed on
    labels (its metrics feed the performance gauges; with late labels it is often an
    older window than ``last_ok``, re-evaluated as its labels arrived)."""


class LatestResults:
    """Thread-safe map of monitor name to :class:`MonitorLatest`."""

    name = "latest"
    needs_store = False

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, MonitorLatest] = {}

    def restore(self, store: Store, monitors: Sequence[MonitorConfig]) -> None:
        """Load the newest runs of ``monitors`` from the store."""
        names = [m.name for m in monitors]
        last = store.latest(names)
        ok = store.latest(names, status=RunStatus.OK)
        error = store.latest(names, status=RunStatus.ERROR)
        labelled = store.latest_labelled(names)
        items = {
            m.name: _keep_configured(
                MonitorLatest(
                    last.get(m.name), ok.get(m.name), error.get(m.name), labelled.get(m.name)
                ),
                m,
            )
            for m in monitors
        }
        with self._lock:
            self._items = items

    def publish(self, monitor: MonitorConfig, result: RunResult, data: RunData | None) -> None:
        with self._lock:
            found = self._items.get(monitor.name, MonitorLatest())
            found = dataclasses.replace(found, last=result)
            if result.status is RunStatus.OK:
                found = dataclasses.replace(found, last_ok=result)
                newer = found.performance is None or (
                    result.window_end >= found.performance.window_end
                )
                if labelled(result) and newer:
                    found = dataclasses.replace(found, performance=result)
            elif result.status is RunStatus.ERROR:
                found = dataclasses.replace(found, last_error=result)
            self._items[monitor.name] = found

    def publish_reevaluation(
        self, monitor: MonitorConfig, result: RunResult, data: RunData | None, *, newest: bool
    ) -> None:
        """A re-evaluated past window changes only the performance figures, and only
        when it is the newest window with labelled figures."""
        if not newest or result.status is not RunStatus.OK or not labelled(result):
            return
        with self._lock:
            found = self._items.get(monitor.name, MonitorLatest())
            self._items[monitor.name] = dataclasses.replace(found, performance=result)

    def stored(self, result: RunResult, stored: RunResult) -> None:
        """``result`` (published before it could be stored) now has its run id: where it
        is still the newest, take the stored copy."""
        with self._lock:
            found = self._items.get(result.monitor)
            if found is None:
                return
            self._items[result.monitor] = MonitorLatest(
                last=stored if found.last is result else found.last,
                last_ok=stored if found.last_ok is result else found.last_ok,
                last_error=stored if found.last_error is result else found.last_error,
                performance=stored if found.performance is result else found.performance,
            )

    def get(self, name: str) -> MonitorLatest:
        with self._lock:
            return self._items.get(name, MonitorLatest())

    def snapshot(self) -> Mapping[str, MonitorLatest]:
        """A copy that later publishes do not change."""
        with self._lock:
            return dict(self._items)

    def reconfigure(self, config: Config) -> None:
        """Drop monitors, columns and metrics that ``config`` no longer has."""
        with self._lock:
            self._items = {
                m.name: _keep_configured(self._items.get(m.name, MonitorLatest()), m)
                for m in config.monitors
            }


def labelled(result: RunResult) -> bool:
    """Whether any performance figure of the run was computed on labels."""
    return any(m.value is not None for m in result.metrics)


def _keep_configured(latest: MonitorLatest, monitor: MonitorConfig) -> MonitorLatest:
    return MonitorLatest(
        last=_prune(latest.last, monitor),
        last_ok=_prune(latest.last_ok, monitor),
        last_error=latest.last_error,
        performance=_prune(latest.performance, monitor),
    )


def _prune(result: RunResult | None, monitor: MonitorConfig) -> RunResult | None:
    """The result without columns or metrics that the monitor no longer configures.

    Features are only pruned when the monitor lists them (inferred features stay
    until the next run decides); prediction, score and target columns must match
    the configured ones; metrics must still be checked; quality rows follow their
    column, multivariate rows their (still enabled) method.
    """
    if result is None:
        return None
    roles = {
        Role.PREDICTION: monitor.prediction,
        Role.SCORE: monitor.prediction_score,
        Role.TARGET: monitor.target,
    }
    listed = None
    if monitor.numerical is not None and monitor.categorical is not None:
        listed = {*monitor.numerical, *monitor.categorical}

    def keep(column: str, role: Role) -> bool:
        if role is Role.FEATURE:
            if column in monitor.exclude:
                return False
            return listed is None or column in listed
        return roles.get(role) == column

    columns = tuple(c for c in result.columns if keep(c.column, c.role))
    checked = {check.metric.value for check in monitor.performance}
    metrics = tuple(m for m in result.metrics if m.metric in checked)
    traffic = _prune_traffic(result.traffic, monitor)
    kept = {c.column for c in columns}
    quality = tuple(q for q in result.quality if q.column is None or q.column in kept)
    methods = set(monitor.multivariate.methods) if monitor.multivariate.enabled else set()
    multivariate = tuple(v for v in result.multivariate if v.method in methods)
    if (
        len(columns) == len(result.columns)
        and len(metrics) == len(result.metrics)
        and len(quality) == len(result.quality)
        and len(multivariate) == len(result.multivariate)
        and traffic is result.traffic
    ):
        return result
    return dataclasses.replace(
        result,
        columns=columns,
        metrics=metrics,
        quality=quality,
        multivariate=multivariate,
        traffic=traffic,
    )


def _prune_traffic(traffic: TrafficSummary | None, monitor: MonitorConfig) -> TrafficSummary | None:
    if traffic is None:
        return None
    prediction = traffic.prediction
    if prediction is not None and prediction.column not in (
        monitor.prediction_score,
        monitor.prediction,
    ):
        prediction = None
    latency = traffic.latency
    if latency is not None and latency.column != monitor.latency_column:
        latency = None
    if prediction is traffic.prediction and latency is traffic.latency:
        return traffic
    if prediction is None and latency is None:
        return None
    return TrafficSummary(prediction=prediction, latency=latency)
