"""Labels kept in their own table, joined to a window's predictions inside the database.

For a window, the predictions' ids are matched with the labels known at a given
instant (``timestamp_column <= as_of``), keeping for each id only its latest
known label (``ROW_NUMBER() OVER (PARTITION BY id ORDER BY known_at DESC)``).
The join is a LEFT OUTER JOIN, so predictions without a label keep their row
with a NULL label, and only the window's rows and labels cross the wire. The
labels' timestamp storage is probed once, as the predictions' is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from monitor.config.labels import LabelsConfig
from monitor.errors import SourceError
from monitor.readonly import check_select
from monitor.source.timefilter import Storage, TimeFilter, probe_filter

LABEL_ALIAS = "driftwarden_labels"


@dataclass(frozen=True)
class LabelSpec:
    table: str | None
    query: str | None
    id_column: str
    label_column: str
    timestamp_column: str
    predictions_id: str
    """The id column on the predictions side."""

    @classmethod
    def of(cls, labels: LabelsConfig) -> LabelSpec:
        return cls(
            table=labels.table,
            query=labels.query,
            id_column=labels.id_column,
            label_column=labels.label_column,
            timestamp_column=labels.timestamp_column,
            predictions_id=labels.predictions_id,
        )

    def describe(self) -> str:
        return f"labels table {self.table!r}" if self.table else "the labels query"

    @property
    def columns(self) -> tuple[str, str, str]:
        return (self.id_column, self.label_column, self.timestamp_column)


class LabelJoin:
    """Builds the statements that bring a window's labels to its predictions."""

    def __init__(self, spec: LabelSpec, *, monitor: str) -> None:
        self.spec = spec
        self._monitor = monitor
        self._filter: TimeFilter | None = None

    def selectable(self) -> sa.FromClause:
        columns: list[sa.ColumnClause[Any]] = [
            sa.column(c) for c in dict.fromkeys(self.spec.columns)
        ]
        if self.spec.table is not None:
            schema, _, name = self.spec.table.rpartition(".")
            return sa.table(name, *columns, schema=schema or None).alias(LABEL_ALIAS)
        assert self.spec.query is not None
        return sa.text(check_select(self.spec.query)).columns(*columns).subquery(LABEL_ALIAS)

    def time_filter(self, conn: sa.Connection) -> TimeFilter:
        """The labels' timestamp storage, probed once (again while the table is empty)."""
        if self._filter is not None:
            return self._filter
        try:
            found = probe_filter(conn, self.selectable().c[self.spec.timestamp_column])
        except ValueError as exc:
            raise SourceError(
                f"monitor {self._monitor!r}: field 'labels.timestamp_column' "
                f"({self.spec.timestamp_column!r}): {exc}"
            ) from None
        if found.storage is not Storage.EMPTY:
            self._filter = found
        return found

    def latest(self, conn: sa.Connection, ids: sa.Select[Any], as_of: datetime) -> sa.Subquery:
        """(id, label) of the newest label known at ``as_of`` for each id in ``ids``."""
        labels = self.selectable()
        s = self.spec
        known = self.time_filter(conn).at_or_before(
            labels.c[s.timestamp_column], as_of, name="labels_as_of"
        )
        rank = (
            sa.func.row_number()
            .over(
                partition_by=labels.c[s.id_column],
                order_by=(labels.c[s.timestamp_column].desc(), labels.c[s.label_column].desc()),
            )
            .label("driftwarden_rank")
        )
        ranked = (
            sa.select(
                labels.c[s.id_column].label("label_id"),
                labels.c[s.label_column].label("label_value"),
                rank,
            )
            .where(known, labels.c[s.id_column].in_(ids.correlate(None).scalar_subquery()))
            .subquery("driftwarden_ranked")
        )
        return (
            sa.select(ranked.c.label_id, ranked.c.label_value)
            .where(ranked.c.driftwarden_rank == 1)
            .subquery("driftwarden_latest")
        )

    def known_count(self, conn: sa.Connection, ids: sa.Select[Any], as_of: datetime) -> int:
        """Label rows (corrections included) known at ``as_of`` for the ids in ``ids``."""
        labels = self.selectable()
        s = self.spec
        known = self.time_filter(conn).at_or_before(
            labels.c[s.timestamp_column], as_of, name="labels_as_of"
        )
        stmt = (
            sa.select(sa.func.count())
            .select_from(labels)
            .where(known, labels.c[s.id_column].in_(ids.correlate(None).scalar_subquery()))
        )
        return int(conn.execute(stmt).scalar_one())
