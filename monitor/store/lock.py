"""The leader lock: which of several replicas sharing a results database schedules runs.

On PostgreSQL it is a session-level advisory lock (``pg_try_advisory_lock``) held
on a connection of its own, outside the store's pool: the lock lives exactly as
long as that session. When the holder dies (even ``kill -9``) or its connection
breaks, the server ends the session and the lock is free for another replica.

A SQLite results database is one process's file: :class:`SoleLock` always holds.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

_HELD = sa.text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND pid = pg_backend_pid() AND classid = :high AND objid = :low AND objsubid = 1)"
)


class LeaderLock(Protocol):
    def try_acquire(self) -> bool:
        """Take the lock if it is free; True when this process holds it afterwards."""

    def held(self) -> bool:
        """Whether this process still holds the lock (False when its connection broke)."""

    def release(self) -> None:
        """Give the lock up (another replica may take it at once)."""

    def describe(self) -> str:
        """What the lock is, for the logs."""


class SoleLock:
    """The lock of a results database that only one process uses (SQLite)."""

    def try_acquire(self) -> bool:
        return True

    def held(self) -> bool:
        return True

    def release(self) -> None:
        pass

    def describe(self) -> str:
        return "a single-process results database (SQLite): this process is always the leader"


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a dedicated connection.

    ``timeout`` bounds connecting and, through TCP keepalives and
    ``tcp_user_timeout``, how long a check may hang on a dead network.
    """

    def __init__(self, url: str, key: int, *, timeout: float = 5.0) -> None:
        parsed = make_url(url)
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        seconds = max(int(timeout), 1)
        self._engine = sa.create_engine(
            parsed,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={
                "connect_timeout": seconds,
                "keepalives": 1,
                "keepalives_idle": seconds,
                "keepalives_interval": 1,
                "keepalives_count": 3,
                "tcp_user_timeout": seconds * 1000,
                "application_name": "driftwarden leader lock",
            },
        )
        self.key = key
        unsigned = key & 0xFFFFFFFFFFFFFFFF
        self._parts = {"high": unsigned >> 32, "low": unsigned & 0xFFFFFFFF}
        self._conn: sa.Connection | None = None
        self._lock = threading.Lock()
        self.unreachable = False
        """The last attempt could not talk to the server (so it cannot say who holds it)."""

    def try_acquire(self) -> bool:
        with self._lock:
            try:
                if self._conn is None:
                    self._conn = self._engine.connect()
                if self._conn.execute(_HELD, self._parts).scalar():
                    return True
                got = self._conn.execute(
                    sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
                ).scalar()
            except sa.exc.SQLAlchemyError as exc:
                if not self.unreachable:
                    log.warning("leader lock: cannot reach the results database: %s", _first(exc))
                self.unreachable = True
                self._drop()
                return False
            self.unreachable = False
            return bool(got)

    def reachable(self) -> bool:
        """Whether the server accepts a new connection (the lock itself is not touched)."""
        try:
            with self._engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:
            self.unreachable = True
            return False
        self.unreachable = False
        return True

    def held(self) -> bool:
        with self._lock:
            if self._conn is None:
                return False
            try:
                return bool(self._conn.execute(_HELD, self._parts).scalar())
            except sa.exc.SQLAlchemyError as exc:
                log.warning("leader lock: its connection failed: %s", _first(exc))
                self._drop()
                return False

    def release(self) -> None:
        with self._lock:
            if self._conn is not None:
                # the session ends below, and the lock with it, even when this fails
                with contextlib.suppress(sa.exc.SQLAlchemyError):
                    self._conn.execute(sa.text("SELECT pg_advisory_unlock_all()"))
            self._drop()
            self._engine.dispose()

    def describe(self) -> str:
        return f"PostgreSQL advisory lock {self.key} in the results database"

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:  # a broken connection may fail to close; it is gone either way
                pass
            self._conn = None


def leader_lock(url: str, key: int, *, timeout: float = 5.0) -> LeaderLock:
    """The lock for a results database URL: advisory on PostgreSQL, sole otherwise."""
    if make_url(url).get_backend_name() in ("postgresql", "postgres"):
        return AdvisoryLock(url, key, timeout=timeout)
    return SoleLock()


def _first(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
