"""The sender: a thread of its own that empties the outbox into every Alertmanager.

Each cycle it checks for stale monitors, then, for each configured Alertmanager,
posts what is due in batches: alerts whose new version that Alertmanager has not
accepted, and firing alerts last sent a ``resend_interval`` ago. A failed post
(connection error, timeout, 5xx) leaves the alerts due and backs off (1 s,
doubling, up to ``max_backoff``, counted from when the failure was seen, so a
timed-out post is not repeated at once); the other Alertmanagers are not held up
beyond the request timeout. A cycle runs when a run changed an alert (:meth:`wake`),
when something falls due, and at least every ``poll`` seconds.

The scheduler never waits for it: runs only write the state and wake it.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx

from monitor.alerts.client import AlertmanagerClient, Outcome, payload
from monitor.alerts.engine import AlertEngine
from monitor.config.alerts import AlertingConfig
from monitor.config.models import Config

log = logging.getLogger(__name__)

BATCH = 256
"""Alerts per request (Prometheus sends batches of the same size)."""
FIRST_BACKOFF = timedelta(seconds=1)
PRUNE_EVERY = timedelta(hours=1)
MIN_WAIT = 0.05


class AlertSender:
    def __init__(
        self,
        engine: AlertEngine,
        *,
        transport: httpx.BaseTransport | None = None,
        poll: float = 5.0,
        batch: int = BATCH,
    ) -> None:
        self.engine = engine
        self.poll = poll
        self.batch = batch
        self._transport = transport
        self._alerting = engine.config.alerting
        self._client: AlertmanagerClient | None = None
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._wake = threading.Event()
        self._active = threading.Event()
        self._active.set()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_prune: datetime | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="alert-sender", daemon=True)
        self._thread.start()

    def stop(self, timeout: float) -> None:
        """One last cycle for what is due, then end (within ``timeout`` seconds)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("alert sender still busy after %.1fs; leaving it", timeout)
        with self._lock:
            if self._client is not None and (self._thread is None or not self._thread.is_alive()):
                self._client.close()
                self._client = None

    def pause(self) -> None:
        """Send nothing (this replica is a standby: the leader sends)."""
        self._active.clear()

    def resume(self) -> None:
        """Send again (this replica became the leader)."""
        self._active.set()
        self.wake()

    @property
    def active(self) -> bool:
        return self._active.is_set()

    def wake(self) -> None:
        """Something changed: run a cycle soon."""
        self._wake.set()

    def reconfigure(self, config: Config) -> None:
        with self._lock:
            if config.alerting != self._alerting:
                self._alerting = config.alerting
                if self._client is not None:
                    self._client.close()
                    self._client = None
        self.engine.store.forget_urls(config.alerting.alertmanager_urls)
        self.wake()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def outcomes(self) -> dict[str, int]:
        """Alerts sent per outcome since start (one per alert and Alertmanager)."""
        with self._lock:
            return {o.value: self._counts[o.value] for o in Outcome}

    # -- the loop ---------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            self._wake.clear()
            stopping = self._stopping.is_set()
            if not self._active.is_set():
                if stopping:
                    return
                self._wake.wait(self.poll)
                continue
            try:
                self.cycle(check_stale=not stopping)
            except Exception:
                log.exception("alert sender: the cycle failed; trying again in %.0fs", self.poll)
            if stopping:
                return
            self._wake.wait(self._wait_seconds())

    def _wait_seconds(self) -> float:
        alerting = self._alerting
        now = self.engine.clock()
        wait = self.poll
        try:
            for url in alerting.alertmanager_urls:
                due = self.engine.store.next_due(url, alerting.resend_interval)
                if due is not None:
                    wait = min(wait, (due - now).total_seconds())
        except Exception:
            log.exception("alert sender: cannot read the outbox")
        return max(wait, MIN_WAIT)

    def cycle(self, *, check_stale: bool = True) -> None:
        """Check staleness, deliver what is due, prune old resolved alerts."""
        now = self.engine.clock()
        if check_stale:
            self.engine.check_stale(now)
        alerting = self._alerting
        for url in alerting.alertmanager_urls:
            self._deliver(url, alerting, now)
        if self._last_prune is None or now - self._last_prune >= PRUNE_EVERY:
            self._last_prune = now
            removed = self.engine.store.prune(now - alerting.keep_resolved)
            if removed:
                log.info(
                    "removed %d alert(s) resolved more than %s ago", removed, alerting.keep_resolved
                )

    def _client_for(self, alerting: AlertingConfig) -> AlertmanagerClient:
        with self._lock:
            if self._client is None:
                self._client = AlertmanagerClient(alerting, transport=self._transport)
            return self._client

    def _deliver(self, url: str, alerting: AlertingConfig, now: datetime) -> None:
        store = self.engine.store
        while True:
            alerts = store.due(url, now, alerting.resend_interval, self.batch)
            if not alerts:
                return
            body = [payload(a, now=now, ends_ahead=alerting.ends_at_ahead) for a in alerts]
            result = self._client_for(alerting).post(url, body)
            with self._lock:
                self._counts[result.outcome.value] += len(alerts)
            if result.outcome is Outcome.FAILED:
                # The wait counts from the failure: a post that timed out took as long
                # as the timeout, and the next one must still wait its backoff.
                backoff = _backoff(alerting.backoff_cap)
                failed_at = max(self.engine.clock(), now)
                attempts = store.failed(url, alerts, failed_at, result.detail, backoff)
                log.warning(
                    "Alertmanager %s: %d alert(s) not delivered (attempt %d, retrying in %s): %s",
                    url,
                    len(alerts),
                    attempts,
                    backoff(attempts),
                    result.detail,
                )
                return
            store.delivered(url, alerts, now)
            if result.outcome is Outcome.REJECTED:
                log.error(
                    "Alertmanager %s refused %d alert(s) (%s); they are sent again when they "
                    "change or at the next resend",
                    url,
                    len(alerts),
                    result.detail,
                )
            else:
                log.debug("Alertmanager %s accepted %d alert(s)", url, len(alerts))
            if len(alerts) < self.batch:
                return


def _backoff(cap: timedelta) -> Callable[[int], timedelta]:
    """1 s after the first failure, doubling, at most ``cap``."""

    def wait(attempts: int) -> timedelta:
        grown: timedelta = FIRST_BACKOFF * 2 ** min(max(attempts - 1, 0), 30)
        return min(grown, cap)

    return wait
