"""Field types shared by the config models: durations, UTC timestamps, names, queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
)

from monitor.durations import parse_duration
from monitor.readonly import check_select


def duration_value(value: Any) -> timedelta:
    """A duration string (``15m``, ``1h``, ``7d``) or a timedelta, as a timedelta."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a duration string such as '15m', '1h' or '7d'")
    return parse_duration(value)


def utc_timestamp(value: datetime) -> datetime:
    """Timestamps without a zone are read as UTC; all are kept in UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"timestamp {value.isoformat()} is out of range in UTC") from None


def select_query(value: str) -> str:
    """A configured query must be one read-only SELECT (checked before anything runs)."""
    check_select(value)
    return value


Duration = Annotated[timedelta, Field(json_schema_extra={"format": "duration"})]
Timestamp = Annotated[datetime, AfterValidator(utc_timestamp)]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.\-]+$")]
SelectQuery = Annotated[str, AfterValidator(select_query)]
