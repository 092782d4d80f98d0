"""Source failures become SourceErrors naming the monitor and what is missing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from monitor.errors import SourceError
from monitor.readonly import check_select
from monitor.source import SourceSpec, SqlSource, create_source_engine, mask_url
from monitor.windows import TimeRange
from tests.conftest import write_table

WINDOW = TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))


def source(url: str, table: str | None = "t", query: str | None = None) -> SqlSource:
    return SqlSource(create_source_engine(url), SourceSpec(table, query, "ts"), monitor="fraud")


@pytest.fixture
def table(sqlite_url: str) -> str:
    write_table(
        sqlite_url,
        "t",
        pd.DataFrame({"ts": ["2026-01-01 10:00:00"], "amount": [1.5], 'Odd Name "q"': ["x"]}),
    )
    return sqlite_url


def test_missing_table_names_monitor_and_table(sqlite_url: str) -> None:
    sa.create_engine(sqlite_url).connect().close()
    with pytest.raises(SourceError, match=r"monitor 'fraud': table 'nope' not found"):
        source(sqlite_url, table="nope").read(WINDOW, ["amount"])


def test_missing_column_lists_available(table: str) -> None:
    with pytest.raises(SourceError) as caught:
        source(table).read(WINDOW, ["amount", "amuont"])
    message = str(caught.value)
    assert "monitor 'fraud'" in message
    assert "['amuont']" in message
    assert "'amount'" in message


def test_identifiers_are_quoted(table: str) -> None:
    frame = source(table).read(WINDOW, ['Odd Name "q"', "amount"])
    assert frame.to_dict("list") == {'Odd Name "q"': ["x"], "amount": [1.5]}


def test_failing_query_names_monitor(table: str) -> None:
    bad = source(table, table=None, query="SELECT ts, amount, no_such_fn(amount) AS z FROM t")
    with pytest.raises(SourceError, match="monitor 'fraud'"):
        bad.read(WINDOW, ["amount"])


def test_unreachable_postgres_masks_password() -> None:
    url = "postgresql://reader:topsecret@127.0.0.1:1/nowhere"
    with pytest.raises(SourceError) as caught:
        source(url).read(WINDOW, ["amount"])
    message = str(caught.value)
    assert "monitor 'fraud'" in message
    assert "topsecret" not in message
    assert "127.0.0.1:1" in message


def test_missing_sqlite_file_is_an_error_not_a_new_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    with pytest.raises(SourceError, match="monitor 'fraud'"):
        source(f"sqlite:///{path}").read(WINDOW, ["amount"])
    assert not path.exists()


def test_sqlite_source_is_read_only(table: str) -> None:
    engine = create_source_engine(table)
    with engine.connect() as conn, pytest.raises(sa.exc.OperationalError, match="readonly"):
        conn.execute(sa.text("INSERT INTO t (amount) VALUES (2)"))
    engine.dispose()


def test_postgres_source_is_read_only(postgres_url: str) -> None:
    write_table(
        postgres_url, "t", pd.DataFrame({"ts": [datetime(2026, 1, 1, 10)], "amount": [1.0]})
    )
    engine = create_source_engine(postgres_url)
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="read-only"):
        conn.execute(sa.text("INSERT INTO t (amount) VALUES (2)"))
    engine.dispose()


def test_reads_only_window_rows_and_columns(postgres_url: str) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    write_table(
        postgres_url,
        "t",
        pd.DataFrame(
            {
                "ts": [base + timedelta(hours=h) for h in range(48)],
                "amount": [float(h) for h in range(48)],
                "other": ["z"] * 48,
            }
        ),
    )
    frame = source(postgres_url).read(WINDOW, ["amount"])
    assert list(frame.columns) == ["amount"]
    assert sorted(frame["amount"]) == [float(h) for h in range(24)]


def test_mask_url() -> None:
    assert mask_url("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
    assert "pw" not in mask_url("postgresql+psycopg://u:pw@h:5432/db?sslmode=require")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM t",
        "  select a from t;  ",
        "WITH x AS (SELECT 1 AS a) SELECT a FROM x",
        "SELECT 'a;b' AS s, replace(name, 'x', 'y') FROM t -- trailing; comment",
        "SELECT updated_at, created_by FROM t",
    ],
)
def test_select_queries_pass(query: str) -> None:
    check_select(query)


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("DELETE FROM t", "must be a SELECT"),
        ("SELECT 1; DROP TABLE t", "single statement"),
        ("SELECT * INTO copy FROM t", "must only read"),
        ("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", "must only read"),
        ("", "must be a SELECT"),
    ],
)
def test_non_select_queries_are_refused(query: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_select(query)
