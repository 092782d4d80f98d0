"""Scheduling: ticks aligned with the windows, catch-up once, no overlap, reload sync."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from monitor.config.models import MonitorConfig
from monitor.pipeline import Pipeline
from monitor.result import RunStatus
from monitor.runner import utcnow
from monitor.schedule import Schedule
from monitor.service.executor import RunExecutor
from monitor.service.scheduler import MonitorScheduler, needs_catch_up
from monitor.service.trigger import ScheduleTrigger
from monitor.store import Store
from tests.service.fakes import FakeClock, GatedRunner, stub_result
from tests.service.sources import NOW, config, monitor_toml
from tests.service.test_executor import wait_for

TICK = NOW.replace(minute=0)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "previous", "now", "expected"),
    [
        ("every 15m", None, "2026-03-02 12:07:00", "2026-03-02 12:15:00"),
        ("every 15m", None, "2026-03-02 12:15:00", "2026-03-02 12:15:00"),
        ("every 15m", "2026-03-02 12:15:00", "2026-03-02 12:15:00.01", "2026-03-02 12:30:00"),
        ("every 1h", "2026-03-02 09:00:00", "2026-03-02 12:30:00", "2026-03-02 10:00:00"),
        ("30 2 * * *", None, "2026-03-02 12:00:00", "2026-03-03 02:30:00"),
        ("0 9 * * 1", None, "2026-03-02 12:00:00", "2026-03-09 09:00:00"),
    ],
)
def test_the_trigger_fires_at_the_schedule_ticks(
    schedule: str, previous: str | None, now: str, expected: str
) -> None:
    trigger = ScheduleTrigger(Schedule.parse(schedule))
    fired = trigger.get_next_fire_time(at(previous) if previous else None, at(now))
    assert fired == at(expected)
    assert Schedule.parse(schedule).floor(fired) == fired


@pytest.mark.parametrize(
    ("schedule", "last", "expected"),
    [
        ("every 1h", None, True),
        ("every 1h", "2026-03-02 12:00:00", False),
        ("every 1h", "2026-03-02 11:30:00", False),
        ("every 1h", "2026-03-02 11:29:59", True),
        ("every 1h", "2026-03-01 00:00:00", True),
        ("0 * * * *", "2026-03-02 11:00:00", True),
        ("0 0 * * *", "2026-03-02 00:00:00", False),
    ],
)
def test_catch_up_is_needed_when_the_last_success_is_older_than_one_interval(
    schedule: str, last: str | None, expected: bool
) -> None:
    m = config(monitor_toml("m", "sqlite://", schedule=schedule)).monitors[0]
    assert needs_catch_up(m, at(last) if last else None, NOW) is expected


def scheduler(
    runner: GatedRunner, store: Store, clock: FakeClock | None = None, workers: int = 2
) -> tuple[MonitorScheduler, RunExecutor]:
    now = clock or utcnow
    pool = RunExecutor(Pipeline(runner, store), workers=workers, clock=now)
    pool.start()
    return MonitorScheduler(pool, clock=now, timeout_for=lambda m: 60.0), pool


def monitors(source_url: str, *names: str, schedule: str = "every 1h") -> list[MonitorConfig]:
    text = "".join(monitor_toml(n, source_url, schedule=schedule) for n in names)
    return config(text).monitors


def store_ok_run(store: Store, m: MonitorConfig, window_end: datetime) -> None:
    store.save(stub_result(m, window_end, window_end))


def test_at_start_a_stale_monitor_catches_up_once_with_the_latest_window(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    stale, fresh, new = monitors(source_url, "stale", "fresh", "new")
    store_ok_run(store, stale, TICK - timedelta(hours=5))
    store_ok_run(store, fresh, TICK)
    runner = GatedRunner(open_gate=True, clock=clock)
    sched, pool = scheduler(runner, store, clock)

    caught_up = sched.start([stale, fresh, new], store.last_success_window)

    assert sorted(caught_up) == ["new", "stale"]
    wait_for(lambda: not pool.busy("stale") and not pool.busy("new"))
    assert sorted(runner.calls) == [("new", TICK), ("stale", TICK)]
    newest = store.runs("stale")
    assert (newest[0].window_end, newest[0].status) == (TICK, RunStatus.OK)
    assert len(newest) == 2, "one catch-up run, not one per missed tick"
    next_run = sched.next_run("stale")
    assert next_run is not None, "the regular schedule goes on after the catch-up"
    assert next_run.minute == next_run.second == 0
    assert timedelta(0) < next_run - datetime.now(UTC) <= timedelta(hours=1)
    sched.stop()
    pool.stop(0)


def test_a_tick_runs_the_window_ending_at_the_latest_tick_once(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    (m,) = monitors(source_url, "m")
    store_ok_run(store, m, TICK)
    runner = GatedRunner(open_gate=True, clock=clock)
    sched, pool = scheduler(runner, store, clock)
    assert sched.start([m], store.last_success_window) == []

    first = sched.tick("m")
    assert first is not None and first.result(timeout=30).window_end == TICK
    wait_for(lambda: not pool.busy("m"))
    assert sched.tick("m") is None, "the same window does not run twice"

    clock.now = NOW + timedelta(hours=1)
    later = sched.tick("m")
    assert later is not None and later.result(timeout=30).window_end == TICK + timedelta(hours=1)
    sched.stop()
    pool.stop(0)


def test_a_tick_while_the_monitor_is_still_running_is_skipped(
    source_url: str, store: Store, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    (m,) = monitors(source_url, "m")
    store_ok_run(store, m, TICK - timedelta(hours=1))
    runner = GatedRunner(real=False, clock=clock)
    sched, pool = scheduler(runner, store, clock)
    sched.start([m], store.last_success_window)
    assert runner.started.wait(5)

    clock.now = NOW + timedelta(hours=1)
    assert sched.tick("m") is None
    assert "already has a run running" in caplog.text

    runner.gate.set()
    wait_for(lambda: not pool.busy("m"))
    assert runner.calls == [("m", TICK)]
    assert runner.max_active["m"] == 1
    sched.stop()
    pool.stop(0)


def test_apscheduler_never_overlaps_runs_of_one_monitor(source_url: str, store: Store) -> None:
    """Real ticks every second, runs that take 2.5 seconds: they never overlap, and the
    ticks missed meanwhile are skipped rather than queued up."""
    (m,) = monitors(source_url, "m", schedule="every 1s")
    store_ok_run(store, m, utcnow())
    runner = GatedRunner(real=False)
    sched, pool = scheduler(runner, store)
    sched.start([m], store.last_success_window)
    assert runner.started.wait(5)
    time.sleep(2.5)
    runner.gate.set()
    time.sleep(1.5)
    sched.stop()
    pool.stop(5)

    assert runner.max_active["m"] == 1
    assert 2 <= len(runner.calls) <= 4
    windows = [w for _, w in runner.calls]
    assert windows == sorted(set(windows)), "each run has a later window"
    assert all(w.microsecond == 0 for w in windows)


def test_sync_adds_removes_and_reschedules_jobs(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    a, b = monitors(source_url, "a", "b")
    for m in (a, b):
        store_ok_run(store, m, TICK)
    runner = GatedRunner(open_gate=True, real=False, clock=clock)
    sched, pool = scheduler(runner, store, clock)
    sched.start([a, b], store.last_success_window)
    assert sched.next_run("a") is not None and sched.next_run("b") is not None

    (a15,) = monitors(source_url, "a", schedule="every 15m")
    (c,) = monitors(source_url, "c")
    caught_up = sched.sync([a15, c], store.last_success_window)

    assert caught_up == ["c"]
    assert sched.next_run("b") is None and sched.monitor("b") is None
    next_a = sched.next_run("a")
    assert next_a is not None and next_a.minute % 15 == 0
    assert (next_a - datetime.now(UTC)) <= timedelta(minutes=15)
    assert sched.monitor("a") == a15
    with pytest.raises(KeyError):
        sched.run_now("b")
    sched.stop()
    pool.stop(5)
