"""The daemon: config, store, runner, sinks, worker pool and scheduler wired together.

This is the composition root of ``driftwarden serve``; the HTTP app and the
signal handling drive it through its methods (start, reload, run_now, stop).

Sinks receive every stored run in order: the in-memory latest results, the
exporter, the run log, then any sinks passed in or built by the factories of
:mod:`monitor.service.sinks` (reports, alerts), with their optional
``reconfigure``/``start``/``stop``/``lead``/``refresh`` hooks.

Replicas sharing a PostgreSQL results database elect a leader through a lock
in it (:mod:`monitor.service.leader`): only the leader schedules runs and sends
alerts; a standby serves the API and ``/metrics``, refreshed from the store at
every lock check, and takes over when the leader's lock is gone.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from prometheus_client.registry import CollectorRegistry

from monitor.config import Config, ConfigError, load_config
from monitor.config.models import MonitorConfig
from monitor.exporter import Exporter
from monitor.latest import LatestResults
from monitor.pipeline import Sink
from monitor.result import RunResult
from monitor.runner import Runner, utcnow
from monitor.service.cancel import StatementCanceller, TrackingEngineCache
from monitor.service.executor import RunExecutor
from monitor.service.leader import Leadership
from monitor.service.logs import RunLog
from monitor.service.scheduler import MonitorScheduler
from monitor.service.sinks import (
    Background,
    Leading,
    MetricSource,
    Reconfigurable,
    SinkFactory,
    build_sinks,
)
from monitor.service.storewriter import BufferedPipeline
from monitor.store import Store
from monitor.store.lock import LeaderLock, leader_lock

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

PROFILES_PER_MONITOR = 2
"""Reference profiles cached per monitor (room for a rolling reference's next window)."""
MIN_PROFILES = 64

RESTART_FIELDS = (
    "store_url",
    "reports_dir",
    "listen",
    "workers",
    "store_buffer",
    "store_retry",
    "leader_check",
    "leader_lock_key",
)
"""``[service]`` options read once at start; a reload that changes them says so."""


@dataclass(frozen=True)
class ReloadOutcome:
    ok: bool
    monitors: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    restart_required: tuple[str, ...] = field(default=())
    """``[service]`` options changed in the file that only take effect on restart."""


class Daemon:
    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        config_path: str | Path | None = None,
        clock: Clock = utcnow,
        environ: Mapping[str, str] | None = None,
        runner: Runner | None = None,
        sinks: Sequence[Sink] = (),
        sink_factories: Sequence[SinkFactory] = (),
        registry: CollectorRegistry | None = None,
        process_metrics: bool = True,
        lock: LeaderLock | None = None,
    ) -> None:
        self._config = config
        self.store = store
        self.config_path = Path(config_path) if config_path is not None else None
        self.clock = clock
        self.environ = os.environ if environ is None else environ
        self.latest = LatestResults()
        self.exporter = Exporter(self.latest, registry=registry, process_metrics=process_metrics)
        self.canceller = StatementCanceller()
        self.runner = runner or Runner(
            engines=TrackingEngineCache(self.canceller),
            clock=clock,
            statement_timeout=self._statement_timeout,
        )
        self.sinks: list[Sink] = [
            self.latest,
            self.exporter,
            RunLog(),
            *sinks,
            *build_sinks(config, store, self.runner, sink_factories),
        ]
        self.pipeline = BufferedPipeline(
            self.runner,
            store,
            self.sinks,
            capacity=config.service.store_buffer,
            retry=config.service.store_retry.total_seconds(),
        )
        for source in (*self.sinks, self.pipeline):
            if isinstance(source, MetricSource):
                self.exporter.add_source(source.metric_samples)
        self.leadership = Leadership(
            lock or leader_lock(config.service.store_url, config.service.leader_lock_key),
            interval=config.service.leader_check.total_seconds(),
            on_gained=self._lead,
            on_lost=self._follow,
            on_standby=self._refresh,
        )
        self.exporter.add_source(self.leadership.metric_samples)
        self.executor = RunExecutor(
            self.pipeline,
            workers=config.service.workers,
            clock=clock,
            canceller=self.canceller,
            may_store=self.leadership.confirm,
        )
        self.pipeline.may_write = self.leadership.confirm
        self.scheduler = MonitorScheduler(self.executor, clock=clock, timeout_for=self._timeout_for)
        self._reload_lock = threading.Lock()
        self._started = False
        self._stopped = False

    @property
    def config(self) -> Config:
        return self._config

    def _size_profile_cache(self, config: Config) -> None:
        """Room for every monitor's reference profile (a fixed reference is fitted once,
        not again each time the least recently used one was pushed out)."""
        wanted = max(PROFILES_PER_MONITOR * len(config.monitors), MIN_PROFILES)
        if self.runner.profiles.capacity < wanted:
            self.runner.profiles.resize(wanted)

    def _statement_timeout(self, monitor: MonitorConfig) -> timedelta:
        """Source statements are cancelled by the server itself after the run timeout
        (the run is cut at that point anyway; this also ends a statement whose client
        is gone)."""
        return self._config.service.run_timeout_for(monitor)

    def _timeout_for(self, monitor: MonitorConfig) -> float:
        return self._config.service.run_timeout_for(monitor).total_seconds()

    def api_token(self) -> str | None:
        return self._config.service.token(self.environ)

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> list[str]:
        """Restore the latest results, start the workers and the schedule; return the
        monitors that started a catch-up run."""
        config = self._config
        self._size_profile_cache(config)
        self.latest.restore(self.store, config.monitors)
        self._reconfigure_sinks(config)
        self.exporter.config_loaded(True, self.clock())
        for sink in self.sinks:
            if isinstance(sink, Background):
                sink.start()
        self.pipeline.start()
        self.executor.start()
        leading = self.leadership.start()
        for sink in self.sinks:
            if isinstance(sink, Leading):
                sink.lead(leading)
        caught_up = self.scheduler.start(
            config.monitors, self.store.last_success_window, active=leading
        )
        self._started = True
        log.info(
            "driftwarden started as the %s: %d monitor(s), %d worker(s), %d catch-up run(s)",
            "leader" if leading else "standby",
            len(config.monitors),
            config.service.workers,
            len(caught_up),
        )
        return caught_up

    def stop(
        self, grace: float | None = None, hurry: threading.Event | None = None
    ) -> list[RunResult]:
        """Stop scheduling, let running runs finish within ``grace`` seconds (default
        ``service.shutdown_grace``; ``hurry`` ends it early), record those cut short;
        return them."""
        if self._stopped:
            return []
        self._stopped = True
        if grace is None:
            grace = self._config.service.shutdown_grace.total_seconds()
        deadline = time.monotonic() + grace
        self.scheduler.stop()
        cut = self.executor.stop(grace, hurry)
        self.pipeline.stop(max(deadline - time.monotonic(), 1.0))
        for sink in self.sinks:
            if isinstance(sink, Background):
                sink.stop(max(deadline - time.monotonic(), 1.0))
        self.leadership.stop()
        if cut:
            log.warning(
                "shutdown: %d run(s) cut short and recorded: %s",
                len(cut),
                ", ".join(f"{r.monitor} (run {r.run_id})" for r in cut),
            )
        self.runner.engines.dispose()
        return cut

    @property
    def stopping(self) -> bool:
        return self._stopped

    def readiness(self) -> list[str]:
        """Reasons the service is not ready (empty when it is)."""
        reasons = []
        if self._stopped:
            reasons.append("the service is shutting down")
        elif not self._started or not self.scheduler.running:
            reasons.append("the scheduler is not running")
        try:
            self.store.ping()
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            reasons.append(f"the results database does not answer: {first}")
        buffered = self.pipeline.buffered
        if buffered:
            reasons.append(
                f"{buffered} run result(s) wait in memory to be written to the results "
                f"database (at most {self.pipeline.capacity}; {self.pipeline.dropped} dropped)"
            )
        return reasons

    # -- leadership -------------------------------------------------------------------

    @property
    def leading(self) -> bool:
        return self.leadership.leading

    @property
    def role(self) -> Literal["leader", "standby"] | None:
        """``leader`` or ``standby`` while the service runs, else None."""
        if not self._started or self._stopped:
            return None
        return "leader" if self.leadership.leading else "standby"

    def _follow(self) -> None:
        """Leadership lost: stop handing runs over first, then stop sending alerts. Results
        still waiting for the store are dropped: the new leader runs those windows."""
        self.scheduler.pause()
        self.pipeline.discard("another replica leads now and runs those windows")
        for sink in self.sinks:
            if isinstance(sink, Leading):
                sink.lead(False)

    def _lead(self) -> None:
        """Leadership taken over: read what the previous leader stored, send alerts, and
        run the windows it did not store before the regular ticks. Results of this
        replica still waiting for the store are written first, so they count as stored."""
        if not self.pipeline.flush():
            log.warning("taking over with %d result(s) still unwritten", self.pipeline.buffered)
        self._refresh()
        for sink in self.sinks:
            if isinstance(sink, Leading):
                sink.lead(True)
        self.scheduler.resume(self.store.last_window, self.store.has_window)

    def _refresh(self) -> None:
        """Show what the leader stored: latest results (gauges, API), alert counts."""
        self.latest.restore(self.store, self._config.monitors)
        self.exporter.collector.refresh()
        for sink in self.sinks:
            if isinstance(sink, Leading):
                sink.refresh()

    # -- operations -------------------------------------------------------------------

    def run_now(self, name: str) -> Future[RunResult]:
        """Queue a run of ``name`` now (KeyError, MonitorBusy, ExecutorStopped)."""
        return self.scheduler.run_now(name)

    def reload(self) -> ReloadOutcome:
        """Re-read the config file; an invalid one is refused and the old one kept."""
        with self._reload_lock:
            if self.config_path is None:
                problem = "the service was started without a config file to re-read"
                log.error("config reload refused: %s", problem)
                return ReloadOutcome(ok=False, problems=(problem,))
            try:
                new = load_config(self.config_path, environ=self.environ)
            except ConfigError as exc:
                self.exporter.config_loaded(False, self.clock())
                log.error("config reload refused, the running config is kept: %s", exc)
                return ReloadOutcome(ok=False, problems=tuple(exc.problems))
            old = self._config
            restart = tuple(
                f"service.{name}"
                for name in RESTART_FIELDS
                if getattr(old.service, name) != getattr(new.service, name)
            )
            self._config = new
            self._size_profile_cache(new)
            self._reconfigure_sinks(new)
            self.scheduler.sync(new.monitors, self.store.last_success_window)
            self.exporter.config_loaded(True, self.clock())
            before = {m.name for m in old.monitors}
            after = {m.name for m in new.monitors}
            log.info(
                "config reloaded from %s: %d monitor(s); added %s; removed %s",
                self.config_path,
                len(new.monitors),
                sorted(after - before) or "none",
                sorted(before - after) or "none",
            )
            if restart:
                log.warning(
                    "config reload: %s changed; the new value takes effect on restart",
                    ", ".join(restart),
                )
            return ReloadOutcome(
                ok=True,
                monitors=tuple(m.name for m in new.monitors),
                restart_required=restart,
            )

    def _reconfigure_sinks(self, config: Config) -> None:
        for sink in self.sinks:
            if isinstance(sink, Reconfigurable):
                try:
                    sink.reconfigure(config)
                except Exception:
                    log.exception("sink %s could not take the new config", sink.name)
