"""Leadership in one process: the lock checks and their callbacks, a standby's scheduler,
the takeover's catch-up, and a result that a replica which lost the lock does not store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from monitor.config.models import MonitorConfig
from monitor.pipeline import Pipeline
from monitor.service.executor import NotLeader, RunExecutor
from monitor.service.leader import Leadership
from monitor.service.scheduler import MonitorScheduler
from monitor.store import Store
from monitor.store.lock import AdvisoryLock
from tests.service.fakes import FakeClock, GatedRunner
from tests.service.sources import NOW
from tests.service.test_executor import wait_for
from tests.service.test_scheduler import monitors, store_ok_run

TICK = NOW.replace(minute=0)
HOUR = timedelta(hours=1)


# -- the lock checks ---------------------------------------------------------------------


class Calls:
    def __init__(self) -> None:
        self.events: list[str] = []

    def leadership(self, lock: AdvisoryLock) -> Leadership:
        return Leadership(
            lock,
            interval=3600,  # checks are driven by the test
            on_gained=lambda: self.events.append("gained"),
            on_lost=lambda: self.events.append("lost"),
            on_standby=lambda: self.events.append("standby"),
        )


def gauge(leadership: Leadership) -> float:
    ((sample,),) = leadership.metric_samples().values()
    return float(sample.value)


@pytest.fixture
def pair(postgres_url: str) -> Iterator[tuple[Leadership, Leadership, Calls, Calls]]:
    calls_a, calls_b = Calls(), Calls()
    a = calls_a.leadership(AdvisoryLock(postgres_url, 11))
    b = calls_b.leadership(AdvisoryLock(postgres_url, 11))
    yield a, b, calls_a, calls_b
    a.stop()
    b.stop()


def terminate_holder(url: str, key: int) -> int:
    """End the session holding the advisory lock ``key`` (a small positive key)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return len(
                conn.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_database d "
                        "ON d.oid = l.database WHERE d.datname = current_database() AND "
                        "l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = :key"
                    ),
                    {"key": key},
                ).all()
            )
    finally:
        engine.dispose()


def test_one_leads_the_other_stands_by_and_takes_over_when_it_stops(
    pair: tuple[Leadership, Leadership, Calls, Calls],
) -> None:
    a, b, calls_a, calls_b = pair
    assert a.start() is True
    assert b.start() is False
    assert (gauge(a), gauge(b)) == (1.0, 0.0)
    b.check()
    a.check()
    assert calls_b.events == ["standby"] and calls_a.events == []
    assert a.confirm() and not b.confirm()

    a.stop()
    assert gauge(a) == 0.0
    b.check()
    assert calls_b.events == ["standby", "gained"]
    assert gauge(b) == 1.0 and b.confirm()
    assert calls_a.events == [], "a replica that stops does not call itself lost"


def test_a_broken_lock_session_is_lost_at_once_and_the_standby_takes_it(
    pair: tuple[Leadership, Leadership, Calls, Calls], postgres_url: str
) -> None:
    a, b, calls_a, calls_b = pair
    a.start()
    b.start()
    assert terminate_holder(postgres_url, 11) == 1

    assert not a.confirm(), "checked against the server, not the flag"
    assert calls_a.events == ["lost"] and gauge(a) == 0.0
    assert not a.confirm()
    assert calls_a.events == ["lost"], "lost once"

    b.check()
    assert calls_b.events == ["gained"] and gauge(b) == 1.0
    a.check()
    assert calls_a.events == ["lost", "standby"], "the old leader reconnects as a standby"
    assert gauge(a) == 0.0


# -- the scheduler of a standby and of a new leader ---------------------------------------


def setup(
    source_url: str, store: Store, clock: FakeClock, *, may_store: bool = True
) -> tuple[MonitorScheduler, RunExecutor, GatedRunner, MonitorConfig]:
    (m,) = monitors(source_url, "m")
    runner = GatedRunner(open_gate=True, real=False, clock=clock)
    pool = RunExecutor(Pipeline(runner, store), workers=2, clock=clock, may_store=lambda: may_store)
    pool.start()
    return MonitorScheduler(pool, clock=clock, timeout_for=lambda _: 60.0), pool, runner, m


def stored(store: Store) -> list[datetime]:
    return sorted(r.window_end for r in store.runs("m", limit=100))


def test_a_standby_runs_nothing_and_refuses_runs(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    sched, pool, runner, m = setup(source_url, store, clock)
    assert sched.start([m], store.last_success_window, active=False) == []
    assert sched.tick("m") is None
    with pytest.raises(NotLeader, match="standby"):
        sched.run_now("m")
    assert runner.calls == []
    sched.stop()
    pool.stop(0)


def test_a_new_leader_runs_every_window_after_the_last_stored_one_in_order(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    sched, pool, runner, m = setup(source_url, store, clock)
    store_ok_run(store, m, TICK - 4 * HOUR)
    sched.start([m], store.last_success_window, active=False)
    # the old leader stored the window ending TICK - 2h just before the takeover
    stored_late = TICK - 2 * HOUR

    def has_window(name: str, window_end: datetime) -> bool:
        if window_end == stored_late:
            store_ok_run(store, m, stored_late)
            return True
        return store.has_window(name, window_end)

    assert sched.resume(store.last_window, has_window) == ["m"]
    wait_for(lambda: not sched.catching_up("m") and not pool.busy("m"))

    assert runner.calls == [("m", TICK - 3 * HOUR), ("m", TICK - HOUR), ("m", TICK)]
    assert stored(store) == [TICK - 4 * HOUR + i * HOUR for i in range(5)]
    assert sched.tick("m") is None, "the latest window already ran"
    clock.now += HOUR
    assert sched.tick("m") is not None
    wait_for(lambda: not pool.busy("m"))
    assert stored(store)[-1] == TICK + HOUR
    sched.stop()
    pool.stop(0)


def test_ticks_during_the_catch_up_are_left_to_it_and_nothing_is_skipped(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    sched, pool, runner, m = setup(source_url, store, clock)
    runner.gate.clear()
    store_ok_run(store, m, TICK - 2 * HOUR)
    sched.start([m], store.last_success_window, active=False)
    sched.resume(store.last_window, store.has_window)
    assert runner.started.wait(5)

    clock.now += 2 * HOUR  # two more ticks fall due while the first run is held
    assert sched.tick("m") is None
    with pytest.raises(Exception, match="catching up"):
        sched.run_now("m")
    runner.gate.set()
    wait_for(lambda: not sched.catching_up("m") and not pool.busy("m"))

    assert [w for _, w in runner.calls] == [TICK - HOUR + i * HOUR for i in range(4)]
    assert stored(store) == [TICK - 2 * HOUR + i * HOUR for i in range(5)]
    sched.stop()
    pool.stop(0)


def test_losing_the_lead_ends_the_catch_up(source_url: str, store: Store, clock: FakeClock) -> None:
    sched, pool, runner, m = setup(source_url, store, clock)
    runner.gate.clear()
    store_ok_run(store, m, TICK - 5 * HOUR)
    sched.start([m], store.last_success_window, active=False)
    sched.resume(store.last_window, store.has_window)
    assert runner.started.wait(5)
    sched.pause()
    runner.gate.set()
    wait_for(lambda: not pool.busy("m"))
    assert runner.calls == [("m", TICK - 4 * HOUR)], "no window after the one running"
    assert sched.tick("m") is None
    sched.stop()
    pool.stop(0)


def test_a_replica_that_lost_the_lead_during_a_run_stores_nothing(
    source_url: str, store: Store, clock: FakeClock
) -> None:
    sched, pool, runner, m = setup(source_url, store, clock, may_store=False)
    store_ok_run(store, m, TICK)
    assert sched.start([m], store.last_success_window) == []
    future = sched.run_now("m")
    with pytest.raises(NotLeader):
        future.result(timeout=10)
    assert runner.calls == [("m", TICK)], "the run happened"
    assert len(store.runs("m")) == 1, "its result was not stored"
    sched.stop()
    pool.stop(0)
