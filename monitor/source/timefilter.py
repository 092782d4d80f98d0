"""How to compare a timestamp column with window bounds, whatever its storage.

Prediction logs store time in many ways: ``timestamptz``, naive ``timestamp``
(taken as UTC), ISO text with or without an offset (SQLite), or epoch seconds
or milliseconds. The storage is probed once from a non-null value and the
filter built to match, so the window is the same instant range in every case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

EPOCH_MS_CUTOFF = 1e11
"""Epoch numbers above this are milliseconds (1e11 seconds is the year 5138)."""


class Storage(StrEnum):
    AWARE = "aware"
    """A time-zone-aware timestamp type (PostgreSQL ``timestamptz``)."""
    NAIVE = "naive"
    """A timestamp without zone, read as UTC."""
    TEXT = "text"
    """ISO-8601 text, with or without an offset (naive text is UTC)."""
    EPOCH_SECONDS = "epoch_s"
    EPOCH_MILLIS = "epoch_ms"
    EMPTY = "empty"
    """No non-null timestamp at all: every window is empty."""


@dataclass(frozen=True)
class TimeFilter:
    storage: Storage
    dialect: str

    def condition(
        self,
        column: ColumnElement[Any],
        start: datetime | None,
        end: datetime | None,
        *,
        prefix: str = "window",
    ) -> ColumnElement[bool]:
        """``start <= column < end`` for this storage (either bound may be open).

        ``prefix`` names the bound parameters (two filters in one statement need two).
        """
        if self.storage is Storage.EMPTY:
            return sa.false()
        key = self._key(column)
        parts: list[ColumnElement[bool]] = []
        if start is not None:
            parts.append(key >= self._bound(start, f"{prefix}_start"))
        if end is not None:
            parts.append(key < self._bound(end, f"{prefix}_end"))
        return sa.and_(sa.true(), *parts)

    def at_or_before(
        self, column: ColumnElement[Any], instant: datetime, *, name: str = "as_of"
    ) -> ColumnElement[bool]:
        """``column <= instant`` for this storage."""
        if self.storage is Storage.EMPTY:
            return sa.false()
        return self._key(column) <= self._bound(instant, name)

    def _key(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        if self.storage is Storage.TEXT:
            if self.dialect == "sqlite":
                return sa.func.julianday(column)
            if self.dialect == "postgresql":
                return sa.cast(column, sa.DateTime(timezone=True))
        return column

    def _bound(self, instant: datetime, name: str) -> ColumnElement[Any]:
        instant = instant.astimezone(UTC)
        if self.storage is Storage.AWARE:
            return sa.bindparam(name, instant, type_=sa.DateTime(timezone=True))
        if self.storage is Storage.NAIVE:
            return sa.bindparam(name, instant.replace(tzinfo=None), type_=sa.DateTime())
        if self.storage is Storage.EPOCH_SECONDS:
            return sa.bindparam(name, instant.timestamp(), type_=sa.Float())
        if self.storage is Storage.EPOCH_MILLIS:
            return sa.bindparam(name, instant.timestamp() * 1000.0, type_=sa.Float())
        # TEXT
        if self.dialect == "sqlite":
            text = instant.replace(tzinfo=None).isoformat(sep=" ", timespec="milliseconds")
            return sa.func.julianday(sa.bindparam(name, text, type_=sa.String()))
        if self.dialect == "postgresql":
            return sa.bindparam(name, instant, type_=sa.DateTime(timezone=True))
        text = instant.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
        return sa.bindparam(name, text, type_=sa.String())


def storage_of(value: Any, sqlite_type: str | None = None) -> Storage:
    """The storage class of one non-null timestamp value as the driver returned it."""
    if value is None:
        return Storage.EMPTY
    if isinstance(value, datetime):
        return Storage.AWARE if value.tzinfo is not None else Storage.NAIVE
    if isinstance(value, bool):
        raise ValueError(f"a boolean ({value!r}) is not a timestamp")
    if isinstance(value, int | float):
        return Storage.EPOCH_MILLIS if abs(value) > EPOCH_MS_CUTOFF else Storage.EPOCH_SECONDS
    if isinstance(value, str):
        if sqlite_type in ("integer", "real"):
            return storage_of(float(value))
        try:
            float(value)
        except ValueError:
            return Storage.TEXT
        return storage_of(float(value))
    raise ValueError(
        f"values of type {type(value).__name__} ({value!r}) are not timestamps; expected a "
        "timestamp type, ISO-8601 text or epoch seconds/milliseconds"
    )


def probe_filter(conn: sa.Connection, column: ColumnElement[Any]) -> TimeFilter:
    """The filter for ``column``, its storage read off one non-null value (``EMPTY`` while
    it has none). Raises ValueError when the value is not a timestamp in any storage."""
    dialect = conn.dialect.name
    sqlite = dialect == "sqlite"
    probe: list[Any] = [column, sa.func.typeof(column)] if sqlite else [column]
    row = conn.execute(sa.select(*probe).where(column.is_not(None)).limit(1)).first()
    if row is None:
        return TimeFilter(Storage.EMPTY, dialect)
    return TimeFilter(storage_of(row[0], row[1] if sqlite else None), dialect)
