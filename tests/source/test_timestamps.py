"""Window boundaries are the same instants whatever the timestamp storage.

Windows are half-open [start, end): a row exactly at the start is in, a row
exactly at the end belongs to the next window.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from monitor.source import SourceSpec, SqlSource, create_source_engine
from monitor.windows import TimeRange

START = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # the night Europe moves its clocks
END = START + timedelta(hours=1)
MS = timedelta(milliseconds=1)
ROWS: dict[str, datetime] = {
    "before": START - MS,
    "at_start": START,
    "inside": START + timedelta(minutes=20),
    "last_ms": END - MS,
    "at_end": END,
    "after": END + timedelta(hours=5),
}
INSIDE = {"at_start", "inside", "last_ms"}
PLUS_TWO = timezone(timedelta(hours=2))


def iso_naive(t: datetime) -> str:
    return t.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def iso_z(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def iso_offset(t: datetime) -> str:
    return t.astimezone(PLUS_TWO).isoformat(timespec="milliseconds")


def epoch_s(t: datetime) -> float:
    return t.timestamp()


def epoch_ms(t: datetime) -> int:
    return round(t.timestamp() * 1000)


def mixed_text(t: datetime) -> str:
    """Half the rows naive UTC, half with an explicit offset."""
    return iso_offset(t) if t.microsecond or t.minute % 2 else iso_naive(t)


SQLITE_STORAGES: dict[str, tuple[str, Callable[[datetime], Any]]] = {
    "text-naive": ("TEXT", iso_naive),
    "text-z": ("TEXT", iso_z),
    "text-offset": ("TEXT", iso_offset),
    "text-mixed": ("TEXT", mixed_text),
    "datetime-declared": ("DATETIME", iso_naive),
    "epoch-seconds": ("REAL", epoch_s),
    "epoch-millis": ("INTEGER", epoch_ms),
}

POSTGRES_STORAGES: dict[str, tuple[str, Callable[[datetime], Any]]] = {
    "timestamptz": ("TIMESTAMPTZ", lambda t: t.astimezone(PLUS_TWO)),
    "timestamp-naive-utc": ("TIMESTAMP", lambda t: t.astimezone(UTC).replace(tzinfo=None)),
    "text-offset": ("TEXT", iso_offset),
    "text-naive": ("TEXT", iso_naive),
    "text-mixed": ("TEXT", mixed_text),
    "epoch-seconds": ("DOUBLE PRECISION", epoch_s),
    "epoch-millis": ("BIGINT", epoch_ms),
}


def load(url: str, sql_type: str, convert: Callable[[datetime], Any], table: str = "logs") -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE TABLE "{table}" (ts {sql_type}, label TEXT)'))
        conn.execute(
            sa.text(f'INSERT INTO "{table}" (ts, label) VALUES (:ts, :label)'),
            [{"ts": convert(t), "label": name} for name, t in ROWS.items()]
            + [{"ts": None, "label": "no-time"}],
        )
    engine.dispose()


def labels_in_window(url: str, window: TimeRange, **spec: Any) -> set[str]:
    engine = create_source_engine(url)
    try:
        source = SqlSource(
            engine,
            SourceSpec(
                table=spec.get("table", "logs"), query=spec.get("query"), timestamp_column="ts"
            ),
            monitor="m",
        )
        return set(source.read(window, ["label"])["label"])
    finally:
        engine.dispose()


@pytest.mark.parametrize("storage", sorted(SQLITE_STORAGES))
def test_sqlite_window_boundaries(sqlite_url: str, storage: str) -> None:
    load(sqlite_url, *SQLITE_STORAGES[storage])
    assert labels_in_window(sqlite_url, TimeRange(START, END)) == INSIDE


@pytest.mark.parametrize("storage", sorted(POSTGRES_STORAGES))
def test_postgres_window_boundaries(postgres_url: str, storage: str) -> None:
    load(postgres_url, *POSTGRES_STORAGES[storage])
    assert labels_in_window(postgres_url, TimeRange(START, END)) == INSIDE


@pytest.mark.parametrize("storage", ["timestamp-naive-utc", "text-mixed"])
def test_postgres_session_time_zone_does_not_matter(postgres_url: str, storage: str) -> None:
    load(postgres_url, *POSTGRES_STORAGES[storage])
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        database = conn.execute(sa.text("SELECT current_database()")).scalar_one()
        conn.execute(sa.text(f"ALTER DATABASE \"{database}\" SET timezone TO 'America/New_York'"))
    engine.dispose()
    assert labels_in_window(postgres_url, TimeRange(START, END)) == INSIDE


def test_window_bounds_given_in_other_zones(sqlite_url: str) -> None:
    load(sqlite_url, *SQLITE_STORAGES["text-naive"])
    tokyo = timezone(timedelta(hours=9))
    window = TimeRange(START.astimezone(tokyo), END.astimezone(tokyo))
    assert labels_in_window(sqlite_url, window) == INSIDE


def test_query_source_is_filtered_the_same_way(sqlite_url: str) -> None:
    load(sqlite_url, *SQLITE_STORAGES["text-offset"])
    query = "SELECT ts, label FROM logs WHERE label <> 'inside'"
    found = labels_in_window(sqlite_url, TimeRange(START, END), table=None, query=query)
    assert found == INSIDE - {"inside"}


def test_open_window_reads_every_row(sqlite_url: str) -> None:
    load(sqlite_url, *SQLITE_STORAGES["text-naive"])
    assert labels_in_window(sqlite_url, TimeRange(None, None)) == {*ROWS, "no-time"}


def test_table_without_timestamps_gives_empty_windows(sqlite_url: str) -> None:
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE logs (ts TEXT, label TEXT)"))
        conn.execute(sa.text("INSERT INTO logs VALUES (NULL, 'a')"))
    engine.dispose()
    assert labels_in_window(sqlite_url, TimeRange(START, END)) == set()
