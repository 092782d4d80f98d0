"""The windows a replica owes when it takes over from a leader that died.

The results database knows the newest window stored for each monitor; every
tick after it, up to the latest one, was not run (or its run was cut off with
the old leader) and is run by the new leader, oldest first. A window is only
stored at the end of its run, so a run in flight when the leader died is among
them, and a window already stored is not.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime

from monitor.config.models import MonitorConfig
from monitor.windows import window_end_for

MAX_TAKEOVER_WINDOWS = 48
"""At most this many windows are caught up per monitor (the newest); older ones are
left out with a log line (a leader gone for days is an outage, not a takeover)."""

MAX_STEPS = 100_000
"""Ticks walked through at most on a cron schedule before giving up on the gap."""


def missed_windows(
    monitor: MonitorConfig,
    last_stored: datetime | None,
    now: datetime,
    limit: int = MAX_TAKEOVER_WINDOWS,
) -> tuple[list[datetime], int]:
    """The ends of the windows after ``last_stored`` up to the latest tick at or before
    ``now``, oldest first, at most ``limit`` of them (the newest); and how many older
    ones were left out. Without any stored window, only the latest."""
    newest = window_end_for(monitor, now)
    if last_stored is None:
        return [newest], 0
    schedule = monitor.parsed_schedule
    first = schedule.next_after(last_stored)
    if first > newest:
        return [], 0
    interval = schedule.interval
    if interval is not None:
        count = (newest - first) // interval + 1
        kept = min(count, limit)
        return [newest - interval * i for i in range(kept - 1, -1, -1)], count - kept
    windows: deque[datetime] = deque(maxlen=limit)
    seen = 0
    tick = first
    while tick <= newest:
        windows.append(tick)
        seen += 1
        if seen > MAX_STEPS:
            return [newest], seen
        tick = schedule.next_after(tick)
    return list(windows), seen - len(windows)
