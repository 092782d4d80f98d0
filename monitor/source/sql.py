"""Read the needed columns of one window from a table or a read-only query.

Identifiers go through SQLAlchemy (quoted as the dialect needs) and values are
bound parameters; nothing from the config or the data is formatted into SQL,
except a configured ``query`` itself, which is checked to be a single SELECT.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, NoSuchTableError, SQLAlchemyError

from monitor.errors import SourceError
from monitor.readonly import check_select
from monitor.source.arrow import arrow_available, read_arrow
from monitor.source.engines import mask_url, statement_timeout_ms
from monitor.source.labels import LabelJoin
from monitor.source.timefilter import Storage, TimeFilter, probe_filter
from monitor.windows import TimeRange

Loader = Literal["auto", "arrow", "sqlalchemy"]
"""How rows are fetched: ``arrow`` through ADBC (PostgreSQL), ``sqlalchemy`` row by row,
``auto`` Arrow when the driver is installed and the database is PostgreSQL."""


@dataclass(frozen=True)
class SourceSpec:
    """Where one window's rows live: a table (optionally ``schema.table``) or a query."""

    table: str | None
    query: str | None
    timestamp_column: str

    def describe(self) -> str:
        return f"table {self.table!r}" if self.table is not None else "the configured query"


class SqlSource:
    """Reads windows of one table or query through one engine."""

    def __init__(
        self,
        engine: Engine,
        spec: SourceSpec,
        *,
        monitor: str,
        loader: Loader = "auto",
        labels: LabelJoin | None = None,
        statement_timeout: timedelta | None = None,
    ) -> None:
        self._engine = engine
        self._timeout_ms = statement_timeout_ms(statement_timeout)
        self._labels = labels
        self._loader = loader
        self._spec = spec
        self._monitor = monitor
        self._columns: list[str] | None = None
        self._filter: TimeFilter | None = None
        self._lock = threading.Lock()
        self._pinned = threading.local()
        self.queries = 0
        """Statements sent so far (schema look-ups included)."""

    @property
    def spec(self) -> SourceSpec:
        return self._spec

    @property
    def dialect(self) -> str:
        """The database's SQLAlchemy dialect name (``postgresql``, ``sqlite``, ...)."""
        return str(self._engine.dialect.name)

    # -- public -----------------------------------------------------------------

    def available_columns(self) -> list[str]:
        """Column names of the table or query (looked up once)."""
        with self._lock:
            if self._columns is None:
                self._columns = self._guard(self._look_up_columns)
            return list(self._columns)

    def read(
        self, window: TimeRange, columns: Sequence[str], *, as_of: datetime | None = None
    ) -> pd.DataFrame:
        """Rows of ``window`` (all rows when both bounds are open), only ``columns``.

        With a labels join, the label column comes from the labels known at ``as_of``
        (required then), joined by id; it is NULL for predictions without one.
        """
        wanted = list(dict.fromkeys(columns))
        label = self._labels.spec.label_column if self._labels is not None else None
        labelled = label is not None and label in wanted
        if labelled:
            assert self._labels is not None and as_of is not None
            self._require([c for c in wanted if c != label] + [self._labels.spec.predictions_id])
        else:
            self._require(wanted)
        bounded = window.start is not None or window.end is not None
        if bounded:
            self._require([self._spec.timestamp_column])
        frame: pd.DataFrame = self._guard(
            lambda: self._fetch(window, wanted, bounded, as_of if labelled else None)
        )
        return frame

    def count_labels(self, window: TimeRange, as_of: datetime) -> int:
        """Label rows known at ``as_of`` for the predictions of ``window`` (0 without
        a labels join): a cheap measure of whether a window's labels changed."""
        if self._labels is None:
            return 0
        labels = self._labels
        self._require([labels.spec.predictions_id, self._spec.timestamp_column])

        def count() -> int:
            with self._engine.connect() as conn:
                ids = self._window_ids(conn, window)
                self.queries += 1
                return labels.known_count(conn, ids, as_of)

        found: int = self._guard(count)
        return found

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Aggregate statements of this thread inside see one snapshot of the data.

        On PostgreSQL they share one REPEATABLE READ transaction, so rows arriving
        meanwhile (late logs) cannot make one statement's counts disagree with
        another's. Other dialects share one connection with their default isolation.
        """
        conn: sa.Connection = self._guard(self._engine.connect)
        try:
            if self._engine.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            self._pinned.connection = conn
            yield
        finally:
            self._pinned.connection = None
            conn.close()

    def aggregate(
        self,
        window: TimeRange,
        columns: Sequence[str],
        build: Callable[[sa.FromClause, sa.ColumnElement[bool]], sa.Executable],
    ) -> list[Any]:
        """Rows of an aggregate statement over ``window`` (aggregate mode).

        ``build`` gets the table or query (holding ``columns``) and the window's
        condition, the same one :meth:`read` filters on, and returns the statement;
        only its (small) result crosses the wire. Always run through SQLAlchemy.
        """
        wanted = list(dict.fromkeys(columns))
        self._require(wanted)
        bounded = window.start is not None or window.end is not None
        if bounded:
            self._require([self._spec.timestamp_column])
        rows: list[Any] = self._guard(lambda: self._aggregate(window, wanted, bounded, build))
        return rows

    # -- internals ----------------------------------------------------------------

    def _aggregate(
        self,
        window: TimeRange,
        columns: list[str],
        bounded: bool,
        build: Callable[[sa.FromClause, sa.ColumnElement[bool]], sa.Executable],
    ) -> list[Any]:
        needed = list(
            dict.fromkeys([*columns, self._spec.timestamp_column] if bounded else columns)
        )
        source = self._selectable(needed)
        condition: sa.ColumnElement[bool] = sa.true()
        pinned: sa.Connection | None = getattr(self._pinned, "connection", None)
        with self._engine.connect() if pinned is None else _borrowed(pinned) as conn:
            if bounded:
                time_filter = self._time_filter(conn)
                condition = time_filter.condition(
                    source.c[self._spec.timestamp_column], window.start, window.end
                )
            self.queries += 1
            return list(conn.execute(build(source, condition)).fetchall())

    def _require(self, columns: Sequence[str]) -> None:
        available = self.available_columns()
        missing = [c for c in columns if c not in available]
        if missing:
            raise SourceError(
                f"monitor {self._monitor!r}: column(s) {missing} not found in "
                f"{self._spec.describe()}; available columns: {available}"
            )

    def _selectable(self, columns: Sequence[str]) -> sa.FromClause:
        if self._spec.table is not None:
            schema, _, name = self._spec.table.rpartition(".")
            return sa.table(name, *(sa.column(c) for c in columns), schema=schema or None)
        assert self._spec.query is not None
        body = check_select(self._spec.query)
        return sa.text(body).columns(*(sa.column(c) for c in columns)).subquery("driftwarden_src")

    def _look_up_columns(self) -> list[str]:
        self.queries += 1
        if self._spec.table is not None:
            schema, _, name = self._spec.table.rpartition(".")
            try:
                found = sa.inspect(self._engine).get_columns(name, schema=schema or None)
            except NoSuchTableError:
                raise SourceError(
                    f"monitor {self._monitor!r}: table {self._spec.table!r} not found in "
                    f"{mask_url(self._engine.url)}"
                ) from None
            return [str(c["name"]) for c in found]
        assert self._spec.query is not None
        body = check_select(self._spec.query)
        probe: sa.Select[Any] = sa.select(sa.literal_column("*")).select_from(
            sa.text(body).columns().subquery("driftwarden_src")
        )
        with self._engine.connect() as conn:
            result = conn.execute(probe.limit(0))
            return list(result.keys())

    def _time_filter(self, conn: sa.Connection) -> TimeFilter:
        if self._filter is not None:
            return self._filter
        source = self._selectable([self._spec.timestamp_column])
        self.queries += 1
        try:
            found = probe_filter(conn, source.c[self._spec.timestamp_column])
        except ValueError as exc:
            raise SourceError(
                f"monitor {self._monitor!r}: timestamp column "
                f"{self._spec.timestamp_column!r}: {exc}"
            ) from None
        if found.storage is not Storage.EMPTY:  # not cached while empty: data may arrive later
            self._filter = found
        return found

    def _window_ids(self, conn: sa.Connection, window: TimeRange) -> sa.Select[Any]:
        """``SELECT id`` of the window's predictions (for the labels' IN subquery)."""
        assert self._labels is not None
        pid = self._labels.spec.predictions_id
        ts = self._spec.timestamp_column
        source = self._selectable(list(dict.fromkeys([pid, ts]))).alias("driftwarden_ids")
        ids = sa.select(source.c[pid]).where(source.c[pid].is_not(None))
        if window.start is not None or window.end is not None:
            condition = self._time_filter(conn).condition(
                source.c[ts], window.start, window.end, prefix="ids"
            )
            ids = ids.where(condition)
        return ids

    def _fetch(
        self,
        window: TimeRange,
        columns: list[str],
        bounded: bool,
        as_of: datetime | None = None,
    ) -> pd.DataFrame:
        label = None
        if as_of is not None and self._labels is not None:
            label = self._labels.spec.label_column
            pid = self._labels.spec.predictions_id
            own = [c for c in columns if c != label]
            needed = list(dict.fromkeys([*own, pid, *([self._spec.timestamp_column] * bounded)]))
        else:
            own = columns
            needed = list(
                dict.fromkeys([*columns, self._spec.timestamp_column] if bounded else columns)
            )
        source = self._selectable(needed)
        with self._engine.connect() as conn:
            time_filter = self._time_filter(conn) if bounded else None
            if label is not None:
                assert self._labels is not None and as_of is not None
                latest = self._labels.latest(conn, self._window_ids(conn, window), as_of)
                outputs = [
                    latest.c.label_value.label(label) if c == label else source.c[c]
                    for c in columns
                ]
                joined = source.outerjoin(latest, source.c[pid] == latest.c.label_id)
                stmt = sa.select(*outputs).select_from(joined)
            else:
                stmt = sa.select(*(source.c[c] for c in own))
        if time_filter is not None:
            stmt = stmt.where(
                time_filter.condition(
                    source.c[self._spec.timestamp_column], window.start, window.end
                )
            )
        self.queries += 1
        frame = self._fetch_arrow(stmt) if self.uses_arrow else self._fetch_rows(stmt, columns)
        frame.columns = pd.Index(columns)
        return frame

    @property
    def uses_arrow(self) -> bool:
        """Whether reads go through Arrow (ADBC) rather than row by row."""
        if self._loader == "sqlalchemy" or self._engine.dialect.name != "postgresql":
            return False
        if self._loader == "arrow" and not arrow_available():
            raise SourceError(
                f"monitor {self._monitor!r}: loader = 'arrow' needs the ADBC PostgreSQL "
                "driver (pip install 'driftwarden[arrow]')"
            )
        return arrow_available()

    def _fetch_rows(self, stmt: sa.Select[Any], columns: list[str]) -> pd.DataFrame:
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).fetchall()
        if not rows:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        return pd.DataFrame.from_records(rows, columns=columns, coerce_float=False)

    def _fetch_arrow(self, stmt: sa.Select[Any]) -> pd.DataFrame:
        try:
            return read_arrow(self._engine.url, stmt, statement_timeout_ms=self._timeout_ms)
        except Exception as exc:  # the ADBC driver's errors carry no SQLAlchemy type
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SourceError(
                f"monitor {self._monitor!r}: reading {self._spec.describe()} from "
                f"{mask_url(self._engine.url)} failed: {reason}"
            ) from exc

    def _guard(self, action: Any) -> Any:
        try:
            return action()
        except SourceError:
            raise
        except ValueError as exc:
            raise SourceError(f"monitor {self._monitor!r}: {exc}") from exc
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            if exc.connection_invalidated or isinstance(exc, sa.exc.OperationalError):
                where = mask_url(self._engine.url)
                raise SourceError(
                    f"monitor {self._monitor!r}: cannot read {self._spec.describe()} "
                    f"from {where}: {reason}"
                ) from exc
            raise SourceError(
                f"monitor {self._monitor!r}: query on {self._spec.describe()} failed: {reason}"
            ) from exc
        except SQLAlchemyError as exc:
            raise SourceError(
                f"monitor {self._monitor!r}: reading {self._spec.describe()} failed: {exc}"
            ) from exc


@contextmanager
def _borrowed(conn: sa.Connection) -> Iterator[sa.Connection]:
    """A connection someone else opened and will close."""
    yield conn
