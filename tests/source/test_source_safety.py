"""A source can only be read: PostgreSQL sessions are read-only on both loaders, a
configured query must be one SELECT, and identifiers from the config are quoted.

Real PostgreSQL. The read-only session is what stops a query that passes the
single-SELECT check but writes anyway (a function with side effects, ``nextval``,
``SELECT ... FOR UPDATE``); the database is checked to be unchanged afterwards.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from monitor.config import ConfigError, parse_config
from monitor.errors import SourceError
from monitor.source import SourceSpec, SqlSource, create_source_engine
from monitor.source.arrow import arrow_available
from monitor.windows import TimeRange
from tests.conftest import write_table

WINDOW = TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
LOADERS = [
    "sqlalchemy",
    pytest.param(
        "arrow",
        marks=pytest.mark.skipif(not arrow_available(), reason="ADBC driver not installed"),
    ),
]
HOSTILE = [
    "select",
    'quote"d',
    "Mixed Case",
    "x); DROP TABLE audit; --",
    "naïve ünïcode",
]
"""Column names that break SQL unless quoted."""


@pytest.fixture
def database(postgres_url: str) -> str:
    write_table(
        postgres_url,
        "t",
        pd.DataFrame({"ts": [datetime(2026, 1, 1, 10), datetime(2026, 1, 1, 11)], "x": [1.0, 2.0]}),
    )
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE audit (note text)"))
        conn.execute(sa.text("CREATE SEQUENCE counter"))
        conn.execute(
            sa.text(
                "CREATE FUNCTION touch() RETURNS integer LANGUAGE sql AS "
                "$$ INSERT INTO audit VALUES ('written'); SELECT 1 $$"
            )
        )
    engine.dispose()
    return postgres_url


def audit_rows(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM audit")).scalar_one())
    finally:
        engine.dispose()


def reader(
    url: str, loader: str, *, table: str | None = None, query: str | None = None
) -> SqlSource:
    return SqlSource(
        create_source_engine(url),
        SourceSpec(table, query, "ts"),
        monitor="fraud",
        loader=loader,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize(
    "query",
    [
        "SELECT ts, x FROM t WHERE touch() = 1",
        "SELECT ts, x, nextval('counter') AS n FROM t",
    ],
)
def test_a_select_that_writes_is_stopped_by_the_read_only_session(
    database: str, loader: str, query: str
) -> None:
    with pytest.raises(SourceError) as caught:
        reader(database, loader, query=query).read(WINDOW, ["x"])
    message = str(caught.value)
    assert "monitor 'fraud'" in message
    assert "read-only transaction" in message
    assert audit_rows(database) == 0


@pytest.mark.parametrize("loader", LOADERS)
def test_hostile_column_and_table_names_are_quoted(postgres_url: str, loader: str) -> None:
    frame = pd.DataFrame(
        {"ts": [datetime(2026, 1, 1, 10)], **{c: [float(i)] for i, c in enumerate(HOSTILE)}}
    )
    write_table(postgres_url, "odd table; --", frame)
    write_table(postgres_url, "audit", pd.DataFrame({"note": ["kept"]}))
    read = reader(postgres_url, loader, table="odd table; --").read(WINDOW, HOSTILE)
    assert read.to_dict("list") == {c: [float(i)] for i, c in enumerate(HOSTILE)}
    assert audit_rows(postgres_url) == 1


def test_a_write_through_the_source_engine_fails(database: str) -> None:
    engine = create_source_engine(database)
    try:
        with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="read-only"):
            conn.execute(sa.text("UPDATE t SET x = 0"))
    finally:
        engine.dispose()
    assert audit_rows(database) == 0


def test_a_query_turning_the_session_default_off_cannot_write_later(database: str) -> None:
    """One SELECT can set the session's default to read-write, but only inside its own
    transaction, which is rolled back when the connection returns to the pool: a later
    query on the same pooled connection is still read-only."""
    engine = create_source_engine(database)
    spec = "SELECT ts, x, set_config('default_transaction_read_only', 'off', false) AS f FROM t"
    try:
        first = SqlSource(
            engine, SourceSpec(None, spec, "ts"), monitor="fraud", loader="sqlalchemy"
        )
        assert first.read(WINDOW, ["f"])["f"].tolist() == ["off", "off"]
        later = SqlSource(
            engine,
            SourceSpec(None, "SELECT ts, x FROM t WHERE touch() = 1", "ts"),
            monitor="fraud",
            loader="sqlalchemy",
        )
        with pytest.raises(SourceError, match="read-only transaction"):
            later.read(WINDOW, ["x"])
    finally:
        engine.dispose()
    assert audit_rows(database) == 0


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("INSERT INTO audit VALUES ('x')", "must be a SELECT"),
        ("UPDATE t SET x = 0", "must be a SELECT"),
        ("COPY t TO '/tmp/out'", "must be a SELECT"),
        ("SELECT 1; SELECT 2", "single statement"),
        ("SELECT 1;; ", "single statement"),
        ("SELECT ts FROM t; -- harmless\nDROP TABLE t", "single statement"),
        ("/* hide */ DELETE FROM t", "must be a SELECT"),
        ("WITH w AS (INSERT INTO audit VALUES ('x') RETURNING *) SELECT * FROM w", "only read"),
        ("WITH w AS (UPDATE t SET x = 0 RETURNING *) SELECT * FROM w", "only read"),
        ("SELECT * INTO TEMP copy FROM t", "only read"),
        ("SELECT ts, x FROM t FOR UPDATE", "only read"),
    ],
)
def test_a_configured_query_must_be_one_select(query: str, reason: str) -> None:
    for field in ("query", "reference"):
        text = """
[[monitors]]
name = "fraud"
source_url = "postgresql://reader@127.0.0.1/preds"
timestamp_column = "ts"
current = { last = "1h" }
"""
        if field == "query":
            text += f'query = """{query}"""\nreference = {{ last = "1d" }}\n'
        else:
            text += f'table = "t"\nreference = {{ query = """{query}""" }}\n'
        with pytest.raises(ConfigError) as caught:
            parse_config(text, environ={})
        (problem,) = caught.value.problems
        assert problem.startswith("monitor 'fraud'"), problem
        assert reason in problem, problem


@pytest.mark.parametrize("loader", LOADERS)
def test_a_select_with_write_words_in_strings_and_names_still_reads(
    database: str, loader: str
) -> None:
    """The check reads statements, not words: 'delete' inside a string or a quoted
    name is data."""
    query = """SELECT ts, x, 'insert; delete' AS "update" FROM t"""
    frame = reader(database, loader, query=query).read(WINDOW, ["x", "update"])
    assert frame.to_dict("list") == {"x": [1.0, 2.0], "update": ["insert; delete"] * 2}
