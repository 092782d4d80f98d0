"""The life of one alert: pending → firing → resolved, as a pure function.

An alert is identified by its key (monitor, alertname and the column, metric or
check it is about). Each observation of the key is a breach (with the labels and
annotations it should carry) or a clear:

- a breach counts one window in breach; at ``for_runs`` consecutive windows the
  alert fires. ``starts_at`` is the first breach of the streak and never moves
  while the alert is active;
- a clear resolves a firing alert (``ends_at`` = the clearing observation) and
  forgets a pending one (it was never sent);
- an observation of an older window than the last one counted changes nothing
  (a late re-evaluation of a past window must not undo the present); the same
  window again updates labels and annotations without counting twice.

Changing labels (e.g. a new severity in the config) changes the alert's identity
in Alertmanager: the old label set is resolved and a new alert fires with the
same ``starts_at``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class State(StrEnum):
    PENDING = "pending"
    """In breach for fewer windows than ``for_runs``; not sent."""
    FIRING = "firing"
    RESOLVED = "resolved"


def alert_key(monitor: str, alertname: str, subject: Mapping[str, str]) -> str:
    """A stable identity: a digest of the monitor, alertname and subject labels."""
    canonical = json.dumps([monitor, alertname, sorted(subject.items())], ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Signal:
    """A key found in breach by one observation, with what its alert should say."""

    key: str
    monitor: str
    alertname: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    generator_url: str | None


@dataclass(frozen=True)
class Alert:
    key: str
    monitor: str
    alertname: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    generator_url: str | None
    state: State
    starts_at: datetime
    """The first breach of the streak."""
    ends_at: datetime | None
    """When the alert resolved (None while active)."""
    breaches: int
    """Consecutive windows in breach."""
    window_end: datetime | None
    """The newest window counted (None for alerts raised by the clock, e.g. stale)."""
    run_id: int | None
    """The run that last observed the breach."""
    version: int = 0
    """Raised whenever what Alertmanager is told changes (labels, annotations, state)."""
    id: int | None = None

    @property
    def active(self) -> bool:
        return self.state is not State.RESOLVED


@dataclass(frozen=True)
class Transition:
    """What to store: alerts to write (new ones have no id) and a pending one to drop."""

    write: tuple[Alert, ...] = ()
    drop: Alert | None = None

    @property
    def empty(self) -> bool:
        return not self.write and self.drop is None


NOTHING = Transition()


def _older(window_end: datetime | None, alert: Alert) -> bool:
    return window_end is not None and alert.window_end is not None and window_end < alert.window_end


def clear(alert: Alert | None, *, at: datetime, window_end: datetime | None = None) -> Transition:
    """The key is no longer in breach (or its rule or monitor is gone)."""
    if alert is None or not alert.active or _older(window_end, alert):
        return NOTHING
    if alert.state is State.PENDING:
        return Transition(drop=alert)
    return Transition(write=(_resolved(alert, at),))


def _resolved(alert: Alert, at: datetime) -> Alert:
    return dataclasses.replace(
        alert, state=State.RESOLVED, ends_at=max(at, alert.starts_at), version=alert.version + 1
    )


def breach(
    alert: Alert | None,
    signal: Signal,
    *,
    at: datetime,
    window_end: datetime | None,
    run_id: int | None,
    for_runs: int,
) -> Transition:
    """The key is in breach in the window ending at ``window_end`` (observed at ``at``)."""
    if alert is not None and not alert.active:
        alert = None
    if alert is None:
        state = State.FIRING if for_runs <= 1 else State.PENDING
        new = Alert(
            key=signal.key,
            monitor=signal.monitor,
            alertname=signal.alertname,
            labels=dict(signal.labels),
            annotations=dict(signal.annotations),
            generator_url=signal.generator_url,
            state=state,
            starts_at=at,
            ends_at=None,
            breaches=1,
            window_end=window_end,
            run_id=run_id,
            version=1,
        )
        return Transition(write=(new,))
    if _older(window_end, alert):
        return NOTHING
    # Alerts raised by the clock (no window) count once; a window counts once.
    counted = window_end is not None and (alert.window_end is None or window_end > alert.window_end)
    breaches = alert.breaches + 1 if counted else alert.breaches
    firing = alert.state is State.FIRING or breaches >= for_runs
    state = State.FIRING if firing else State.PENDING
    if alert.state is State.FIRING and dict(signal.labels) != dict(alert.labels):
        renamed = Alert(
            key=alert.key,
            monitor=alert.monitor,
            alertname=alert.alertname,
            labels=dict(signal.labels),
            annotations=dict(signal.annotations),
            generator_url=signal.generator_url,
            state=State.FIRING,
            starts_at=alert.starts_at,
            ends_at=None,
            breaches=breaches,
            window_end=window_end if counted else alert.window_end,
            run_id=run_id if run_id is not None else alert.run_id,
            version=1,
        )
        return Transition(write=(_resolved(alert, at), renamed))
    updated = dataclasses.replace(
        alert,
        labels=dict(signal.labels),
        annotations=dict(signal.annotations),
        generator_url=signal.generator_url,
        state=state,
        breaches=breaches,
        window_end=window_end if counted else alert.window_end,
        run_id=run_id if run_id is not None else alert.run_id,
    )
    if _told(updated) != _told(alert):
        updated = dataclasses.replace(updated, version=alert.version + 1)
    elif updated == alert:
        return NOTHING
    return Transition(write=(updated,))


def _told(alert: Alert) -> tuple[object, ...]:
    """What Alertmanager sees of an alert."""
    return (
        alert.state,
        dict(alert.labels),
        dict(alert.annotations),
        alert.generator_url,
        alert.starts_at,
        alert.ends_at,
    )
