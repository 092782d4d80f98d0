"""The windows a new leader owes: every tick after the newest stored window, oldest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.config.models import MonitorConfig
from monitor.service.takeover import MAX_TAKEOVER_WINDOWS, missed_windows
from tests.service.sources import config, monitor_toml


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def monitor(schedule: str) -> MonitorConfig:
    return config(monitor_toml("m", "sqlite://", schedule=schedule)).monitors[0]


def every_minute_matching(start: datetime, end: datetime, minutes: set[int]) -> list[datetime]:
    """Ticks of an hourly-pattern cron schedule, found by walking minute by minute."""
    out = []
    t = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while t <= end:
        if t.minute in minutes:
            out.append(t)
        t += timedelta(minutes=1)
    return out


@pytest.mark.parametrize(
    ("schedule", "last", "now", "expected"),
    [
        ("every 15m", "2026-03-02 11:15", "2026-03-02 12:07", ["11:30", "11:45", "12:00"]),
        ("every 15m", "2026-03-02 12:00", "2026-03-02 12:14:59", []),
        ("every 15m", "2026-03-02 12:00", "2026-03-02 12:15", ["12:15"]),
        ("*/20 * * * *", "2026-03-02 11:20", "2026-03-02 12:30", ["11:40", "12:00", "12:20"]),
        ("every 1h", "2026-03-02 12:00", "2026-03-02 12:00", []),
    ],
)
def test_the_windows_after_the_last_stored_one_up_to_the_latest_tick(
    schedule: str, last: str, now: str, expected: list[str]
) -> None:
    windows, skipped = missed_windows(monitor(schedule), at(last), at(now))
    assert [w.strftime("%H:%M") for w in windows] == expected
    assert skipped == 0


def test_without_a_stored_window_only_the_latest_runs() -> None:
    windows, skipped = missed_windows(monitor("every 15m"), None, at("2026-03-02 12:07"))
    assert (windows, skipped) == ([at("2026-03-02 12:00")], 0)


@pytest.mark.parametrize("schedule", ["every 5m", "*/5 * * * *"])
def test_a_long_gap_keeps_only_the_newest_windows(schedule: str) -> None:
    last, now = at("2026-03-01 00:00"), at("2026-03-02 00:00")
    windows, skipped = missed_windows(monitor(schedule), last, now, limit=10)
    assert len(windows) == 10
    assert windows[-1] == now and windows[0] == now - timedelta(minutes=45)
    assert skipped == 24 * 12 - 10
    default, _ = missed_windows(monitor(schedule), last, now)
    assert len(default) == MAX_TAKEOVER_WINDOWS


@settings(max_examples=60, deadline=None)
@given(
    step=st.sampled_from([5, 10, 15, 20, 30]),
    last_offset=st.integers(min_value=0, max_value=600),
    gap=st.integers(min_value=0, max_value=400),
    limit=st.integers(min_value=1, max_value=60),
)
def test_interval_and_cron_schedules_agree_with_walking_the_minutes(
    step: int, last_offset: int, gap: int, limit: int
) -> None:
    base = at("2026-03-02 00:00")
    last = base + timedelta(minutes=last_offset // step * step)
    now = last + timedelta(minutes=gap, seconds=17)
    ticks = every_minute_matching(last, now, set(range(0, 60, step)))
    for schedule in (f"every {step}m", f"*/{step} * * * *"):
        windows, skipped = missed_windows(monitor(schedule), last, now, limit=limit)
        assert windows == (ticks[-limit:] if ticks else [])
        assert skipped == max(len(ticks) - limit, 0)
