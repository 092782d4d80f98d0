"""Alert evaluation: observations in, stored transitions out.

Runs of different monitors are published from several worker threads and the
clock's stale check from the sender's; one lock keeps each read-decide-write of
the stored state whole.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from monitor.alerts.links import Links
from monitor.alerts.rules import Observation, observe_run, observe_stale, performance_only
from monitor.alerts.state import Alert, Transition, breach, clear
from monitor.config.alerts import AlertName, RunRule
from monitor.config.models import Config, MonitorConfig
from monitor.result import RunResult, RunStatus
from monitor.store.alerts import AlertStore

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class AlertEngine:
    def __init__(self, store: AlertStore, config: Config, *, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._lock = threading.RLock()
        self._config = config
        self._links = Links.of(config.service)
        self._last_success: dict[str, datetime] = {}
        self._counts: dict[tuple[str, str], int] = {}
        self._since = clock()
        self._seen: dict[str, datetime] = {}
        """When each monitor was first configured in this process (staleness counts from it)."""

    @property
    def config(self) -> Config:
        return self._config

    def start(self) -> None:
        """Load what the store knows: windows of the last successes, firing counts."""
        with self._lock:
            self._since = self.clock()
            names = [m.name for m in self._config.monitors]
            self._seen = dict.fromkeys(names, self._since)
            self._last_success = self.store.last_success_windows(names)
            self._counts = self.store.firing_counts()

    def reload(self) -> None:
        """Read the windows of the last successes and the firing counts again (another
        replica may have changed them)."""
        with self._lock:
            names = [m.name for m in self._config.monitors]
            self._last_success = self.store.last_success_windows(names)
            self._counts = self.store.firing_counts()

    def reconfigure(self, config: Config) -> bool:
        """Take a new config: alerts of removed monitors and of disabled rules resolve.
        Returns whether anything changed."""
        with self._lock:
            self._config = config
            self._links = Links.of(config.service)
            monitors = {m.name: m for m in config.monitors}
            now = self.clock()
            for name in monitors:
                self._seen.setdefault(name, now)
            transitions = []
            for alert in self.store.active():
                monitor = monitors.get(alert.monitor)
                if monitor is None or not monitor.alerts.active(AlertName(alert.alertname)):
                    transitions.append(clear(alert, at=now))
            return self._apply(transitions, {})

    # -- observations ------------------------------------------------------------------

    def observe_run(self, monitor: MonitorConfig, result: RunResult) -> bool:
        """Evaluate the rules on a stored run; returns whether any alert changed."""
        with self._lock:
            if result.status is RunStatus.OK:
                known = self._last_success.get(monitor.name)
                if known is None or result.window_end > known:
                    self._last_success[monitor.name] = result.window_end
            observation = observe_run(monitor, self._config.alerting, self._links, result)
            return self._observe(monitor, observation)

    def observe_reevaluation(self, monitor: MonitorConfig, result: RunResult) -> bool:
        """Evaluate only the performance rules on a re-evaluated past window (the caller
        hands over only the newest window with labelled figures)."""
        with self._lock:
            observation = observe_run(monitor, self._config.alerting, self._links, result)
            return self._observe(monitor, performance_only(observation))

    def check_stale(self, now: datetime | None = None) -> bool:
        """Raise ``MonitorStale`` for monitors without a recent success.

        The newest successes are read from the store each time, so runs stored by
        another process (another replica, ``driftwarden run``) count too."""
        now = now or self.clock()
        changed = False
        with self._lock:
            names = [m.name for m in self._config.monitors]
            for name, window_end in self.store.last_success_windows(names).items():
                known = self._last_success.get(name)
                if known is None or window_end > known:
                    self._last_success[name] = window_end
            for monitor in self._config.monitors:
                observation = observe_stale(
                    monitor,
                    self._config.alerting,
                    self._links,
                    now=now,
                    last_success=self._last_success.get(monitor.name),
                    since=self._seen.get(monitor.name, self._since),
                )
                if observation is not None:
                    changed |= self._observe(monitor, observation)
        return changed

    def _observe(self, monitor: MonitorConfig, observation: Observation) -> bool:
        active = {a.key: a for a in self.store.active(monitor.name)}
        if not active and not observation.breaches:
            return False
        transitions: list[Transition] = []
        for key, signal in observation.breaches.items():
            rule = monitor.alerts.rule(AlertName(signal.alertname))
            for_runs = rule.for_runs if isinstance(rule, RunRule) else 1
            transitions.append(
                breach(
                    active.get(key),
                    signal,
                    at=observation.at,
                    window_end=observation.window_end,
                    run_id=observation.run_id,
                    for_runs=for_runs,
                )
            )
        for key, alert in active.items():
            if key in observation.breaches:
                continue
            if observation.decides_alert(alert.alertname, key, alert.labels):
                transitions.append(
                    clear(alert, at=observation.at, window_end=observation.window_end)
                )
        return self._apply(transitions, active)

    def _apply(self, transitions: Sequence[Transition], before: Mapping[str, Alert]) -> bool:
        real = [t for t in transitions if not t.empty]
        if not real:
            return False
        written = self.store.apply(real, self._config.alerting.alertmanager_urls)
        for alert in written:
            previous = before.get(alert.key)
            if previous is None or previous.state is not alert.state:
                _log_change(alert)
        for t in real:
            if t.drop is not None:
                log.info(
                    "alert %s of monitor %r cleared while pending",
                    t.drop.alertname,
                    t.drop.monitor,
                )
        self._counts = self.store.firing_counts()
        return True

    # -- reading ---------------------------------------------------------------------------

    def firing_counts(self) -> dict[tuple[str, str], int]:
        with self._lock:
            return dict(self._counts)


def _log_change(alert: Alert) -> None:
    subject = {k: v for k, v in alert.labels.items() if k in ("column", "metric", "check")}
    log.info(
        "alert %s of monitor %r%s is %s (starts %s, %d window(s) in breach)",
        alert.alertname,
        alert.monitor,
        f" {subject}" if subject else "",
        alert.state.value,
        alert.starts_at.isoformat(),
        alert.breaches,
    )
