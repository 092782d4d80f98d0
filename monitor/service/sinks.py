"""The extra sinks of ``driftwarden serve``, after the built-in ones.

Each factory takes the config, the store and the runner and returns a sink (or
None when the config does not enable it). A sink is any object with a ``name``
and ``publish(monitor, result, data)`` (:class:`monitor.pipeline.Sink`). The
daemon also calls, when a sink has them:

- ``reconfigure(config)`` after every successful config reload;
- ``start()`` when the service starts and ``stop(timeout)`` when it stops (after
  the last run has been recorded), for sinks with a thread of their own;
- ``metric_samples()`` at every scrape of ``/metrics``, for sinks that export
  families of their own (defined in :mod:`monitor.exporter.definitions`);
- ``lead(leading)`` when this replica becomes the leader or a standby, and
  ``refresh()`` at every leader lock check of a standby (to show what the leader
  stored), for sinks that act only on the leader.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from monitor.alerts import AlertSink
from monitor.config import Config
from monitor.config.models import MonitorConfig
from monitor.exporter.samples import Samples
from monitor.pipeline import Sink
from monitor.reports import ReportPublisher, ReportSink, ReportWorker
from monitor.reports.recover import ReportRecovery
from monitor.result import RunResult
from monitor.runner import RunData, Runner
from monitor.store import Store

SinkFactory = Callable[[Config, Store, Runner], Sink | None]


@runtime_checkable
class Reconfigurable(Protocol):
    def reconfigure(self, config: Config) -> None:
        """Take a new, valid config (monitors added, removed or changed)."""


@runtime_checkable
class Background(Protocol):
    def start(self) -> None:
        """Start the sink's own thread."""

    def stop(self, timeout: float) -> None:
        """Finish (or drop) pending work and end the thread within ``timeout`` seconds."""


@runtime_checkable
class MetricSource(Protocol):
    def metric_samples(self) -> Samples:
        """Samples of the sink's own families, by family name."""


@runtime_checkable
class Leading(Protocol):
    def lead(self, leading: bool) -> None:
        """This replica became the leader (True) or a standby (False)."""

    def refresh(self) -> None:
        """On a standby: read again what the leader stored."""


class ServiceReports:
    """HTML reports for the daemon: built one at a time on a background worker, so a
    slow report never delays a run (see :class:`~monitor.reports.ReportWorker`); when
    it leads (at start, or on taking over), reports an earlier process died before
    writing are rebuilt (:mod:`monitor.reports.recover`)."""

    name = "reports"

    def __init__(self, config: Config, store: Store, runner: Runner) -> None:
        self.publisher = ReportPublisher(
            Path(config.service.reports_dir),
            store,
            config.monitors,
            registry=runner.registry,
            clock=runner.clock,
        )
        self.worker = ReportWorker(self.publisher)
        self.recovery = ReportRecovery(self.publisher, runner, store, clock=runner.clock)
        self._sink = ReportSink(self.publisher, self.worker)

    def publish(self, monitor: MonitorConfig, result: RunResult, data: RunData | None) -> None:
        self._sink.publish(monitor, result, data)

    def reconfigure(self, config: Config) -> None:
        self.publisher.monitors = list(config.monitors)

    def start(self) -> None:
        self.worker.start()

    def lead(self, leading: bool) -> None:
        """The leader (alone) writes the reports a dead process owed: at start and when
        it takes over from a leader that stopped."""
        if leading:
            self.recovery.start(self.publisher.monitors)

    def refresh(self) -> None:
        return

    def stop(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        self.recovery.stop(timeout)
        self.worker.stop(max(deadline - time.monotonic(), 1.0))


def report_sink(config: Config, store: Store, runner: Runner) -> Sink | None:
    if not any(m.report.enabled for m in config.monitors):
        return None
    return ServiceReports(config, store, runner)


def alert_sink(config: Config, store: Store, runner: Runner) -> Sink | None:
    """Alerts are always evaluated (and exported); pushed when ``[alerting]`` lists
    Alertmanagers."""
    return AlertSink(config, store, clock=runner.clock)


SINK_FACTORIES: tuple[SinkFactory, ...] = (alert_sink, report_sink)
"""Sinks after the built-in ones (latest results, exporter, run log), in publishing order:
alerts before reports (an alert links the report that is written after it)."""


def build_sinks(
    config: Config, store: Store, runner: Runner, factories: Sequence[SinkFactory]
) -> list[Sink]:
    sinks = []
    for factory in factories:
        sink = factory(config, store, runner)
        if sink is not None:
            sinks.append(sink)
    return sinks
