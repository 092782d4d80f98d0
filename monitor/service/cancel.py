"""Interrupting the database statements of a run that is cut short.

A Python thread cannot be killed, but the statement it waits on can be
cancelled: every source connection checked out is remembered with the thread
that holds it, and :meth:`StatementCanceller.cancel` interrupts them
(``sqlite3.Connection.interrupt``, psycopg's ``cancel``). The run then fails
fast in its own thread and its late result is discarded by the executor.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from monitor.source import EngineCache

log = logging.getLogger(__name__)


class StatementCanceller:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_thread: dict[int, set[Any]] = {}
        self._owner: dict[int, int] = {}
        self._watched: set[int] = set()

    def watch(self, engine: Engine) -> None:
        """Track the connections of ``engine`` (idempotent)."""
        with self._lock:
            if id(engine) in self._watched:
                return
            self._watched.add(id(engine))
        sa.event.listen(engine, "checkout", self._checkout)
        sa.event.listen(engine, "checkin", self._checkin)

    def _checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        thread = threading.get_ident()
        with self._lock:
            self._by_thread.setdefault(thread, set()).add(dbapi_connection)
            self._owner[id(dbapi_connection)] = thread

    def _checkin(self, dbapi_connection: Any, _record: Any) -> None:
        with self._lock:
            thread = self._owner.pop(id(dbapi_connection), None)
            if thread is None:
                return
            held = self._by_thread.get(thread)
            if held is not None:
                held.discard(dbapi_connection)
                if not held:
                    del self._by_thread[thread]

    def held_by(self, thread: int) -> int:
        with self._lock:
            return len(self._by_thread.get(thread, ()))

    def cancel(self, thread: int) -> int:
        """Interrupt the statements on connections ``thread`` holds; return how many."""
        with self._lock:
            connections = list(self._by_thread.get(thread, ()))
        done = 0
        for connection in connections:
            if _interrupt(connection):
                done += 1
        return done


def _interrupt(connection: Any) -> bool:
    for method in ("interrupt", "cancel_safe", "cancel"):
        action = getattr(connection, method, None)
        if callable(action):
            try:
                action()
            except Exception as exc:  # a closed or broken connection: nothing to stop
                log.debug("could not interrupt a source connection: %s", exc)
                return False
            return True
    return False


class TrackingEngineCache(EngineCache):
    """An :class:`EngineCache` whose engines report their connections to a canceller."""

    def __init__(self, canceller: StatementCanceller) -> None:
        super().__init__()
        self._canceller = canceller

    def get(self, url: str, *, statement_timeout: timedelta | None = None) -> Engine:
        engine = super().get(url, statement_timeout=statement_timeout)
        self._canceller.watch(engine)
        return engine
