"""SQLAlchemy engines for source databases, created once per URL.

PostgreSQL sessions are set to UTC and read-only, so a monitor can never write
to the database it watches. Given a ``statement_timeout`` (the daemon passes the
monitor's run timeout), the server itself cancels any statement that runs longer,
even if the client that sent it is gone.
"""

from __future__ import annotations

import functools
import math
import threading
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url


def create_source_engine(url: str | URL, *, statement_timeout: timedelta | None = None) -> Engine:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        parsed = _sqlite_read_only(parsed)
    engine = sa.create_engine(parsed, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        sa.event.listen(
            engine,
            "connect",
            functools.partial(
                _postgres_session, timeout_ms=statement_timeout_ms(statement_timeout)
            ),
        )
    return engine


def statement_timeout_ms(timeout: timedelta | None) -> int | None:
    """PostgreSQL's ``statement_timeout`` for a timeout (whole milliseconds, at least 1)."""
    if timeout is None:
        return None
    return max(1, math.ceil(timeout.total_seconds() * 1000))


def _sqlite_read_only(url: URL) -> URL:
    """Open SQLite files read-only: a missing file is an error, never a new empty database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return url
    query = dict(url.query)
    query.update({"mode": "ro", "uri": "true"})
    return url.set(database=f"file:{database}", query=query)


def _postgres_session(dbapi_connection: Any, _record: Any, *, timeout_ms: int | None) -> None:
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    with dbapi_connection.cursor() as cursor:
        for statement in session_statements(timeout_ms):
            cursor.execute(statement)
    dbapi_connection.autocommit = autocommit


def session_statements(timeout_ms: int | None) -> list[str]:
    """What every PostgreSQL source session runs first (both loaders)."""
    statements = ["SET TIME ZONE 'UTC'", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"]
    if timeout_ms is not None:
        statements.append(f"SET statement_timeout = {int(timeout_ms)}")
    return statements


def mask_url(url: str | URL) -> str:
    """The URL with any password replaced by ``***``, safe for logs and messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable database URL>"


class EngineCache:
    """One engine (and connection pool) per source URL and statement timeout, shared by
    the monitors using them."""

    def __init__(self) -> None:
        self._engines: dict[tuple[str, timedelta | None], Engine] = {}
        self._lock = threading.Lock()

    def get(self, url: str, *, statement_timeout: timedelta | None = None) -> Engine:
        key = (url, statement_timeout)
        with self._lock:
            engine = self._engines.get(key)
            if engine is None:
                engine = create_source_engine(url, statement_timeout=statement_timeout)
                self._engines[key] = engine
            return engine

    def dispose(self) -> None:
        with self._lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
