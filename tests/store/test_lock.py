"""The leader lock on a real PostgreSQL server: one holder at a time, freed with its session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from monitor.config.replicas import DEFAULT_LEADER_LOCK_KEY
from monitor.store.lock import AdvisoryLock, SoleLock, leader_lock


@pytest.fixture(params=[DEFAULT_LEADER_LOCK_KEY, 7, -1, 2**63 - 1], ids=str)
def key(request: pytest.FixtureRequest) -> int:
    value: int = request.param
    return value


@pytest.fixture
def locks(postgres_url: str, key: int) -> Iterator[tuple[AdvisoryLock, AdvisoryLock]]:
    first, second = AdvisoryLock(postgres_url, key), AdvisoryLock(postgres_url, key)
    yield first, second
    first.release()
    second.release()


def lock_holders(url: str, key: int) -> list[int]:
    """Backend pids holding the advisory lock ``key`` in this database (as PostgreSQL
    reports it; other databases' locks of the same key are other deployments')."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                    "WHERE d.datname = current_database() AND l.locktype = 'advisory' "
                    "AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = :key "
                    "AND l.objsubid = 1"
                ),
                {"key": key},
            )
            return [r[0] for r in rows]
    finally:
        engine.dispose()


def test_only_one_connection_holds_it_and_the_other_takes_it_after_release(
    locks: tuple[AdvisoryLock, AdvisoryLock], postgres_url: str, key: int
) -> None:
    first, second = locks
    assert first.try_acquire()
    assert first.held()
    assert not second.try_acquire(), "the lock is taken"
    assert not second.held()
    assert first.try_acquire(), "asking again while holding it keeps it"
    assert len(lock_holders(postgres_url, key)) == 1

    first.release()
    assert not first.held()
    assert second.try_acquire()
    assert second.held()
    assert not first.try_acquire()


def test_it_is_freed_when_the_holders_session_ends(
    locks: tuple[AdvisoryLock, AdvisoryLock], postgres_url: str, key: int
) -> None:
    first, second = locks
    assert first.try_acquire()
    (pid,) = lock_holders(postgres_url, key)
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    finally:
        engine.dispose()

    assert not first.held(), "a broken connection holds nothing"
    assert second.try_acquire()
    assert lock_holders(postgres_url, key) != [pid]
    assert not first.try_acquire(), "reconnecting does not take it from the new holder"


def test_different_keys_do_not_exclude_each_other(postgres_url: str) -> None:
    one, other = AdvisoryLock(postgres_url, 1), AdvisoryLock(postgres_url, 2)
    try:
        assert one.try_acquire() and other.try_acquire()
    finally:
        one.release()
        other.release()


def test_an_unreachable_database_means_not_holding(postgres_admin: sa.Engine) -> None:
    url = postgres_admin.url.set(database="dw_no_such_database").render_as_string(
        hide_password=False
    )
    lock = AdvisoryLock(url, 1, timeout=2)
    try:
        assert not lock.try_acquire()
        assert not lock.held()
    finally:
        lock.release()


def test_sqlite_results_have_one_process_that_always_holds_it(tmp_path: object) -> None:
    lock = leader_lock("sqlite:///results.db", DEFAULT_LEADER_LOCK_KEY)
    assert isinstance(lock, SoleLock)
    assert lock.try_acquire() and lock.held()
    lock.release()
    assert lock.held()


def test_postgresql_urls_get_the_advisory_lock() -> None:
    for url in ("postgresql://u@h/db", "postgresql+psycopg://u@h/db", "postgres://u@h/db"):
        lock = leader_lock(url, 5)
        assert isinstance(lock, AdvisoryLock)
        assert lock.key == 5
        assert "advisory lock 5" in lock.describe()
