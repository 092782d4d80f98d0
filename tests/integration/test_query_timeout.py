"""A source query slower than the run timeout is cancelled on the PostgreSQL server.

Two mechanisms, both checked against a real server:

- when the executor cuts a run at its timeout, it cancels the statement the run's
  worker is waiting on (psycopg's cancel request), so nothing keeps running;
- every source session carries ``statement_timeout`` equal to the run timeout, so
  the server ends a statement by itself even when no client cancels it (the Arrow
  loader, a client that is gone).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from monitor.errors import SourceError
from monitor.result import RunStatus
from monitor.source import SqlSource, create_source_engine
from monitor.source.arrow import arrow_available, read_arrow
from monitor.source.sql import SourceSpec
from monitor.windows import TimeRange
from tests.service.harness import harness, wait_idle
from tests.service.sources import NO_REPORT, NOW, monitor_toml, write_source

pytestmark = [pytest.mark.integration]

SLEEPY_QUERY = "SELECT p.* FROM predictions p CROSS JOIN pg_sleep(600) AS nap"
"""Every row of the table, after ten minutes: longer than any timeout here."""


def sleeping(admin_url: str, database: str) -> list[str]:
    """Statements of ``database`` still running pg_sleep on the server."""
    engine = sa.create_engine(admin_url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                sa.text(
                    "SELECT query FROM pg_stat_activity WHERE datname = :db "
                    "AND state = 'active' AND query ILIKE '%pg_sleep%' "
                    "AND pid <> pg_backend_pid()"
                ),
                {"db": database},
            )
            return [str(row[0]) for row in found]
    finally:
        engine.dispose()


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def loaders() -> list[str]:
    return ["sqlalchemy", "arrow"] if arrow_available() else ["sqlalchemy"]


def test_source_sessions_carry_the_statement_timeout(postgres_url: str) -> None:
    engine = create_source_engine(postgres_url, statement_timeout=timedelta(seconds=1.5))
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "1500ms"
            assert conn.execute(sa.text("SHOW transaction_read_only")).scalar() == "on"
        if arrow_available():
            setting = sa.select(sa.func.current_setting("statement_timeout").label("t"))
            frame = read_arrow(engine.url, setting, statement_timeout_ms=1500)
            assert frame["t"].tolist() == ["1500ms"]
    finally:
        engine.dispose()
    plain = create_source_engine(postgres_url)
    try:
        with plain.connect() as conn:  # without a timeout, the server's default (none)
            assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "0"
    finally:
        plain.dispose()


@pytest.mark.parametrize("loader", loaders())
def test_the_server_ends_a_statement_past_the_timeout_by_itself(
    postgres_url: str, loader: str
) -> None:
    write_source(postgres_url, NOW)
    engine = create_source_engine(postgres_url, statement_timeout=timedelta(seconds=1))
    source = SqlSource(
        engine,
        SourceSpec(None, SLEEPY_QUERY, "ts"),
        monitor="churn",
        loader=loader,  # type: ignore[arg-type]
        statement_timeout=timedelta(seconds=1),
    )
    try:
        with pytest.raises(SourceError) as caught:
            source.read(TimeRange(None, None), ["x1", "plan"])  # one statement, no probe
    finally:
        engine.dispose()
    assert "canceling statement due to statement timeout" in str(caught.value)
    assert str(caught.value).startswith("monitor 'churn': ")
    database = make_url(postgres_url).database
    assert database is not None
    assert sleeping(postgres_url, database) == []


@pytest.mark.slow
def test_a_run_slower_than_its_timeout_is_recorded_and_its_query_cancelled_on_the_server(
    tmp_path: Path, postgres_url: str
) -> None:
    write_source(postgres_url, NOW)
    database = make_url(postgres_url).database
    assert database is not None
    monitor = monitor_toml("slow", postgres_url, extra=NO_REPORT).replace(
        'table = "predictions"', f'query = "{SLEEPY_QUERY}"\nloader = "sqlalchemy"'
    )
    # The server-side timeout is far off: what stops the query at 2s is the executor's
    # cancel request, not statement_timeout.
    with harness(tmp_path, service='run_timeout = "2s"', monitors=monitor, start=False) as h:
        h.daemon.runner._statement_timeout = lambda _m: timedelta(minutes=5)
        h.daemon.start()
        wait_idle(h.daemon)  # the catch-up run at start meets the same fate
        result = h.daemon.run_now("slow").result(timeout=60)
        assert result.status is RunStatus.ERROR
        assert result.error is not None
        assert result.error.startswith(
            "monitor 'slow': run timed out after 2s (service.run_timeout)"
        )
        assert wait_until(lambda: sleeping(postgres_url, database) == []), sleeping(
            postgres_url, database
        )
        stored = h.daemon.store.get_run(result.run_id or -1)
        assert stored is not None and stored.status is RunStatus.ERROR
        assert stored.error == result.error
        assert not h.daemon.executor.busy("slow")


@pytest.mark.slow
def test_the_daemon_gives_source_sessions_its_run_timeout(
    tmp_path: Path, postgres_url: str
) -> None:
    write_source(postgres_url, NOW)
    monitor = monitor_toml("slow", postgres_url, extra=NO_REPORT)
    with harness(tmp_path, service='run_timeout = "7s"', monitors=monitor, start=False) as h:
        source = h.daemon.runner.source(
            h.daemon.config.monitors[0], SourceSpec("predictions", None, "ts")
        )
        engine = source._engine
        with engine.connect() as conn:
            assert conn.execute(sa.text("SHOW statement_timeout")).scalar() == "7s"
