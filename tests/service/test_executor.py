"""The worker pool: results recorded, one run per monitor, timeouts, shutdown."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError
from datetime import timedelta

import pytest

from monitor.config.models import MonitorConfig
from monitor.pipeline import Pipeline
from monitor.result import RunStatus
from monitor.service.cancel import StatementCanceller, TrackingEngineCache
from monitor.service.executor import ExecutorStopped, MonitorBusy, RunExecutor
from monitor.store import Store
from tests.service.fakes import FakeClock, GatedRunner
from tests.service.sources import NOW, config, monitor_toml

TICK = NOW.replace(minute=0)


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def monitor(name: str, source_url: str, **kwargs: str) -> MonitorConfig:
    return config(monitor_toml(name, source_url, **kwargs)).monitors[0]


def executor(runner: GatedRunner, store: Store, clock: FakeClock, workers: int = 2) -> RunExecutor:
    pool = RunExecutor(
        Pipeline(runner, store), workers=workers, clock=clock, canceller=StatementCanceller()
    )
    pool.start()
    return pool


def test_a_run_is_stored_and_its_future_holds_the_stored_result(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    runner = GatedRunner(open_gate=True, clock=clock)
    pool = executor(runner, store, clock)
    m = monitor("m", source_url)

    result = pool.submit(m, TICK, reason="api", timeout=30).result(timeout=30)

    assert result.status is RunStatus.OK
    stored = store.get_run(result.run_id or -1)
    assert stored is not None
    assert stored.window_end == TICK
    assert [c.score for c in stored.columns] == pytest.approx([c.score for c in result.columns])
    assert stored.drifted_columns == result.drifted_columns and "x1" in stored.drifted_columns
    wait_for(lambda: not pool.busy("m"))
    pool.stop(0)


def test_a_monitor_with_a_run_in_flight_refuses_a_second_run(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    runner = GatedRunner(clock=clock)
    pool = executor(runner, store, clock)
    m = monitor("m", source_url)
    first = pool.submit(m, TICK, reason="schedule", timeout=30)
    assert runner.started.wait(5)

    with pytest.raises(MonitorBusy, match="'m' already has a run running"):
        pool.submit(m, TICK, reason="api", timeout=30)

    runner.gate.set()
    assert first.result(timeout=30).status is RunStatus.OK
    wait_for(lambda: not pool.busy("m"))
    second = pool.submit(m, TICK, reason="api", timeout=30).result(timeout=30)
    assert second.run_id != first.result().run_id
    assert runner.max_active["m"] == 1
    pool.stop(0)


def test_the_pool_runs_at_most_its_size_at_once(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    runner = GatedRunner(real=False, clock=clock)
    pool = executor(runner, store, clock, workers=2)
    futures = [
        pool.submit(monitor(f"m{i}", source_url), TICK, reason="schedule", timeout=30)
        for i in range(5)
    ]
    wait_for(lambda: len(runner.calls) == 2)
    time.sleep(0.2)
    assert len(runner.calls) == 2

    runner.gate.set()
    assert all(f.result(timeout=30).status is RunStatus.OK for f in futures)
    assert runner.total_max_active == 2
    assert len(store.latest()) == 5
    pool.stop(0)


def test_a_run_past_its_timeout_is_recorded_as_error_and_its_late_result_discarded(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    runner = GatedRunner(clock=clock)
    pool = executor(runner, store, clock)
    m = monitor("m", source_url)

    began = time.monotonic()
    result = pool.submit(m, TICK, reason="schedule", timeout=0.3).result(timeout=10)
    waited = time.monotonic() - began

    assert 0.3 <= waited < 5
    assert result.status is RunStatus.ERROR
    assert result.error is not None and "timed out after 0.3s" in result.error
    assert "'m'" in result.error
    stored = store.runs("m")
    assert [(r.run_id, r.status) for r in stored] == [(result.run_id, RunStatus.ERROR)]
    assert stored[0].window_end == TICK
    assert pool.busy("m"), "the monitor stays busy until its worker is really done"

    runner.gate.set()
    wait_for(lambda: not pool.busy("m"))
    assert [r.run_id for r in store.runs("m")] == [result.run_id]
    pool.stop(0)


SLOW_QUERY = """
query = '''
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000000)
SELECT p.* FROM predictions p WHERE (SELECT count(*) FROM n) > 0
'''
"""


def slow_monitor(source_url: str) -> MonitorConfig:
    text = monitor_toml("slow", source_url).replace('table = "predictions"\n', SLOW_QUERY)
    return config(text).monitors[0]


def test_a_timed_out_sqlite_query_is_interrupted_so_the_worker_is_freed(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    canceller = StatementCanceller()
    runner = GatedRunner(open_gate=True, clock=clock, engines=TrackingEngineCache(canceller))
    pool = RunExecutor(Pipeline(runner, store), workers=1, clock=clock, canceller=canceller)
    pool.start()

    began = time.monotonic()
    result = pool.submit(slow_monitor(source_url), TICK, reason="api", timeout=1).result(timeout=20)

    assert result.status is RunStatus.ERROR and "timed out after 1s" in (result.error or "")
    wait_for(lambda: not pool.busy("slow"), timeout=10)
    assert time.monotonic() - began < 8, "the query was not interrupted"
    assert [r.run_id for r in store.runs("slow")] == [result.run_id]
    pool.stop(0)


def test_stop_records_runs_still_going_after_the_grace_period_and_drops_queued_ones(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    runner = GatedRunner(real=False, clock=clock)
    pool = executor(runner, store, clock, workers=1)
    running = pool.submit(monitor("a", source_url), TICK, reason="schedule", timeout=60)
    queued = pool.submit(monitor("b", source_url), TICK, reason="schedule", timeout=60)
    assert runner.started.wait(5)

    began = time.monotonic()
    cut = pool.stop(grace=0.5)

    assert 0.5 <= time.monotonic() - began < 5
    assert [r.monitor for r in cut] == ["a"]
    assert cut[0].status is RunStatus.ERROR
    assert "cut short by shutdown" in (cut[0].error or "")
    assert running.result(timeout=1).run_id == cut[0].run_id
    with pytest.raises(CancelledError):
        queued.result(timeout=1)
    assert [r.run_id for r in store.runs("a")] == [cut[0].run_id]
    assert store.runs("b") == []
    with pytest.raises(ExecutorStopped):
        pool.submit(monitor("c", source_url), TICK, reason="api", timeout=1)
    runner.gate.set()


def test_stop_lets_runs_that_finish_within_the_grace_period_finish(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    runner = GatedRunner(clock=clock)
    pool = executor(runner, store, clock)
    future = pool.submit(monitor("a", source_url), TICK, reason="schedule", timeout=60)
    assert runner.started.wait(5)
    threading.Timer(0.3, runner.gate.set).start()

    cut = pool.stop(grace=20)

    assert cut == []
    assert future.result(timeout=1).status is RunStatus.OK
    assert [r.status for r in store.runs("a")] == [RunStatus.OK]


def test_a_second_signal_ends_the_grace_period_at_once(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    runner = GatedRunner(real=False, clock=clock)
    pool = executor(runner, store, clock)
    pool.submit(monitor("a", source_url), TICK, reason="schedule", timeout=60)
    assert runner.started.wait(5)
    hurry = threading.Event()
    threading.Timer(0.2, hurry.set).start()

    began = time.monotonic()
    cut = pool.stop(grace=60, hurry=hurry)

    assert time.monotonic() - began < 5
    assert [r.monitor for r in cut] == ["a"]
    runner.gate.set()


def test_a_later_tick_moves_a_queued_run_to_the_newer_window(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    runner = GatedRunner(real=False, clock=clock)
    pool = executor(runner, store, clock, workers=1)
    pool.submit(monitor("a", source_url), TICK, reason="schedule", timeout=60)
    assert runner.started.wait(5)
    b = monitor("b", source_url)
    later = TICK + timedelta(hours=1)
    queued = pool.submit(b, TICK, reason="schedule", timeout=60, coalesce=True)

    with pytest.raises(MonitorBusy, match="'b' already has a run queued"):
        pool.submit(b, later, reason="api", timeout=60)
    again = pool.submit(b, later, reason="schedule", timeout=60, coalesce=True)
    older = pool.submit(b, TICK, reason="schedule", timeout=60, coalesce=True)

    assert again is queued and older is queued
    runner.gate.set()
    assert queued.result(timeout=30).window_end == later
    assert [w for name, w in runner.calls if name == "b"] == [later]
    pool.stop(5)


def test_the_monitor_is_free_again_by_the_time_its_result_is_handed_over(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    runner = GatedRunner(real=False, open_gate=True, clock=clock)
    pool = executor(runner, store, clock)
    m = monitor("m", source_url)
    seen: list[bool] = []
    for _ in range(5):
        future = pool.submit(m, TICK, reason="api", timeout=30)
        future.add_done_callback(lambda _f: seen.append(pool.busy("m")))
        future.result(timeout=30)
        pool.submit(m, TICK, reason="api", timeout=30).result(timeout=30)
    assert seen == [False] * 5
    pool.stop(5)
