"""SQLAlchemy engines for source databases, created once per URL.

PostgreSQL sessions are set to UTC and read-only, so a monitor can never write
to the database it watches.
"""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url


def create_source_engine(url: str | URL) -> Engine:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        parsed = _sqlite_read_only(parsed)
    engine = sa.create_engine(parsed, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        sa.event.listen(engine, "connect", _postgres_session)
    return engine


def _sqlite_read_only(url: URL) -> URL:
    """Open SQLite files read-only: a missing file is an error, never a new empty database."""
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return url
    query = dict(url.query)
    query.update({"mode": "ro", "uri": "true"})
    return url.set(database=f"file:{database}", query=query)


def _postgres_session(dbapi_connection: Any, _record: Any) -> None:
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    dbapi_connection.autocommit = autocommit


def mask_url(url: str | URL) -> str:
    """The URL with any password replaced by ``***``, safe for logs and messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable database URL>"


class EngineCache:
    """One engine (and connection pool) per source URL, shared by the monitors using it."""

    def __init__(self) -> None:
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()

    def get(self, url: str) -> Engine:
        with self._lock:
            engine = self._engines.get(url)
            if engine is None:
                engine = create_source_engine(url)
                self._engines[url] = engine
            return engine

    def dispose(self) -> None:
        with self._lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
