"""The reference and current windows of one run.

Windows are half-open, ``[start, end)``, in UTC: a row stamped exactly at a
tick belongs to the window that starts there, never to two windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from monitor.config.models import MonitorConfig


@dataclass(frozen=True)
class TimeRange:
    start: datetime | None
    """None: unbounded (a whole reference table)."""
    end: datetime | None

    def describe(self) -> str:
        start = self.start.isoformat() if self.start else "-inf"
        end = self.end.isoformat() if self.end else "+inf"
        return f"[{start}, {end})"


@dataclass(frozen=True)
class RunWindows:
    current: TimeRange
    reference: TimeRange


def as_utc(instant: datetime) -> datetime:
    """Aware UTC; a naive instant is taken to be UTC already."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def window_end_for(monitor: MonitorConfig, instant: datetime) -> datetime:
    """The tick a run at ``instant`` evaluates: the latest tick at or before it."""
    return monitor.parsed_schedule.floor(as_utc(instant))


def run_windows(monitor: MonitorConfig, window_end: datetime) -> RunWindows:
    """Both windows of the run whose current window ends at ``window_end``."""
    end = as_utc(window_end)
    current = TimeRange(start=end - monitor.current.last, end=end)
    ref = monitor.reference
    if ref.last is not None:
        assert current.start is not None
        ref_end = current.start - ref.offset
        reference = TimeRange(start=ref_end - ref.last, end=ref_end)
    else:
        reference = TimeRange(start=ref.start, end=ref.end)
    return RunWindows(current=current, reference=reference)
