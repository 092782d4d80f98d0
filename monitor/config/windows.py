"""The current and reference windows of a monitor."""

from __future__ import annotations

from datetime import timedelta
from typing import Self

from pydantic import (
    field_validator,
    model_validator,
)

from monitor.config.base import Strict
from monitor.config.fields import SelectQuery, Timestamp, duration_value


class CurrentWindow(Strict):
    last: timedelta

    _parse = field_validator("last", mode="before")(duration_value)


class ReferenceWindow(Strict):
    """The reference: a fixed range, a range rolling with each tick, or a whole other table.

    - ``start`` and ``end``: a fixed range ``[start, end)``.
    - ``last`` (and ``offset``): the ``last`` span ending ``offset`` before the
      current window starts (``offset`` defaults to 0: the span just before it).
    - ``table`` or ``query`` (optionally with ``start``/``end``): read from
      another table or query of the same source, e.g. the validation set.
    """

    start: Timestamp | None = None
    end: Timestamp | None = None
    last: timedelta | None = None
    offset: timedelta = timedelta(0)
    table: str | None = None
    query: SelectQuery | None = None

    _parse = field_validator("last", "offset", mode="before")(duration_value)

    @model_validator(mode="after")
    def _one_shape(self) -> Self:
        fixed = self.start is not None or self.end is not None
        if self.last is not None and fixed:
            raise ValueError("give either 'start'/'end' or 'last' (with 'offset'), not both")
        if self.table is not None and self.query is not None:
            raise ValueError("give either 'table' or 'query', not both")
        other_source = self.table is not None or self.query is not None
        if not other_source and self.last is None and not (self.start and self.end):
            raise ValueError(
                "expected 'start' and 'end' (a fixed range), 'last' (a rolling range), "
                "or 'table'/'query' (another source)"
            )
        if self.start and self.end and self.start >= self.end:
            raise ValueError(f"'start' ({self.start}) must be before 'end' ({self.end})")
        if self.offset != timedelta(0) and self.last is None:
            raise ValueError("'offset' only applies to a rolling reference with 'last'")
        return self

    @property
    def is_fixed(self) -> bool:
        """True when the reference does not move with the tick."""
        return self.last is None
