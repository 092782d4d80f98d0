"""Alerts: rules evaluated on each run, a state machine kept in the results database,
and delivery to Alertmanager's API v2 from a background thread.

- :mod:`~monitor.alerts.rules`: which keys a run (or the clock) finds in breach;
- :mod:`~monitor.alerts.state`: pending → firing → resolved, as a pure function;
- :mod:`~monitor.alerts.engine`: observations applied to the stored state;
- :mod:`~monitor.alerts.client` and :mod:`~monitor.alerts.sender`: the outbox
  emptied into every Alertmanager, with resends and backoff;
- :mod:`~monitor.alerts.sink`: the daemon's sink tying them together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.alerts.sink import AlertSink

__all__ = ["AlertSink"]


def __getattr__(name: str) -> Any:
    # The sink is imported on first use: it needs the store's alert tables, which
    # themselves import this package's state module.
    if name == "AlertSink":
        from monitor.alerts.sink import AlertSink

        return AlertSink
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
