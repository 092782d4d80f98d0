"""The results database: runs with their column and metric rows."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, selectinload, sessionmaker

from monitor.errors import StoreError
from monitor.masking import mask_passwords
from monitor.result import (
    RunResult,
    RunStatus,
)
from monitor.source.engines import mask_url
from monitor.store import migrate
from monitor.store.rows import ESTIMATED, from_row, to_row
from monitor.store.schema import MetricRow, RunRow

CONNECT_TIMEOUT_SECONDS = 10
"""How long a PostgreSQL results database may take to accept a connection (unless the URL
sets ``connect_timeout``): an unreachable host fails a write in seconds, and the result
waits in memory, rather than holding a worker for the system's TCP timeout."""


def create_store_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    connect_args: dict[str, object] = {}
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    engine = sa.create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.close()


_RUN_CHILDREN = (
    selectinload(RunRow.columns),
    selectinload(RunRow.metrics),
    selectinload(RunRow.quality),
    selectinload(RunRow.multivariate),
)


class Store:
    """Reads and writes results; every write of a run is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True) -> Store:
        """Open the results database (migrated to the newest schema unless ``upgrade`` is
        false); :class:`StoreError` with the masked URL and the reason when it cannot be."""
        try:
            store = cls(create_store_engine(url))
        except (ValueError, sa.exc.SQLAlchemyError) as exc:
            raise StoreError(
                f"invalid results database URL {mask_passwords(url)}: {mask_passwords(str(exc))}"
            ) from None
        if upgrade:
            try:
                store.upgrade()
            except sa.exc.SQLAlchemyError as exc:
                store.close()
                reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
                raise StoreError(
                    f"cannot open the results database {mask_url(url)}: {reason}"
                ) from exc
        return store

    def upgrade(self) -> None:
        migrate.upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    # -- writing -------------------------------------------------------------------

    def save(self, result: RunResult) -> int:
        """Store a run and its rows atomically; return its id."""
        row = to_row(result)
        with self._sessions.begin() as session:
            session.add(row)
            session.flush()
            return row.id

    def record_report(self, run_id: int, *, path: str | None, error: str | None) -> None:
        """Note where the run's HTML report was written, or why it was not."""
        stmt = (
            sa.update(RunRow)
            .where(RunRow.id == run_id)
            .values(report_path=path, report_error=error)
        )
        with self._sessions.begin() as session:
            session.execute(stmt)

    def forget_reports(self, monitor: str, paths: Collection[str]) -> None:
        """Clear ``report_path`` of runs whose report file was removed."""
        if not paths:
            return
        stmt = (
            sa.update(RunRow)
            .where(RunRow.monitor == monitor, RunRow.report_path.in_(list(paths)))
            .values(report_path=None)
        )
        with self._sessions.begin() as session:
            session.execute(stmt)

    # -- reading -------------------------------------------------------------------

    def run_for_window(self, monitor: str, window_end: datetime) -> RunResult | None:
        """The newest stored run of ``monitor`` whose current window ends at ``window_end``."""
        stmt = (
            sa.select(RunRow)
            .where(RunRow.monitor == monitor, RunRow.window_end == window_end)
            .options(selectinload(RunRow.columns), selectinload(RunRow.metrics))
            .order_by(RunRow.id.desc())
            .limit(1)
        )
        with self._sessions() as session:
            row = session.scalars(stmt).first()
            return None if row is None else from_row(row)

    def get_run(self, run_id: int) -> RunResult | None:
        with self._sessions() as session:
            row = session.get(RunRow, run_id, options=_RUN_CHILDREN)
            return None if row is None else from_row(row)

    def runs(self, monitor: str, *, limit: int = 50, before: int | None = None) -> list[RunResult]:
        """Newest first; ``before`` pages by run id."""
        stmt = (
            sa.select(RunRow)
            .where(RunRow.monitor == monitor)
            .options(*_RUN_CHILDREN)
            .order_by(RunRow.id.desc())
            .limit(limit)
        )
        if before is not None:
            stmt = stmt.where(RunRow.id < before)
        with self._sessions() as session:
            return [from_row(r) for r in session.scalars(stmt)]

    def latest(
        self, monitors: Sequence[str] | None = None, *, status: RunStatus | None = None
    ) -> dict[str, RunResult]:
        """The newest run of each monitor (only runs with ``status`` when given)."""
        newest = sa.select(RunRow.monitor, sa.func.max(RunRow.id).label("id")).group_by(
            RunRow.monitor
        )
        if monitors is not None:
            newest = newest.where(RunRow.monitor.in_(list(monitors)))
        if status is not None:
            newest = newest.where(RunRow.status == status.value)
        ids = newest.subquery()
        stmt = sa.select(RunRow).join(ids, RunRow.id == ids.c.id).options(*_RUN_CHILDREN)
        with self._sessions() as session:
            return {r.monitor: from_row(r) for r in session.scalars(stmt)}

    def window_evaluations(
        self,
        monitor: str,
        *,
        since: datetime,
        until: datetime,
        status: RunStatus | None = None,
    ) -> list[RunResult]:
        """The latest evaluation (with ``status`` when given) of each window of ``monitor``
        ending in ``[since, until)``, oldest window first, with their metric rows only."""
        newest_ids = sa.select(sa.func.max(RunRow.id).label("id")).where(
            RunRow.monitor == monitor,
            RunRow.window_end >= since,
            RunRow.window_end < until,
        )
        if status is not None:
            newest_ids = newest_ids.where(RunRow.status == status.value)
        newest = newest_ids.group_by(RunRow.window_end).subquery()
        stmt = (
            sa.select(RunRow)
            .join(newest, RunRow.id == newest.c.id)
            .options(selectinload(RunRow.metrics))
            .order_by(RunRow.window_end)
        )
        with self._sessions() as session:
            return [from_row(r, children=False) for r in session.scalars(stmt)]

    def stored_windows(self, monitor: str, *, since: datetime, until: datetime) -> set[datetime]:
        """Ends of the windows of ``monitor`` in ``[since, until]`` with a stored run
        that read its data (status ``ok`` or ``insufficient_data``)."""
        stmt = sa.select(RunRow.window_end).where(
            RunRow.monitor == monitor,
            RunRow.window_end >= since,
            RunRow.window_end <= until,
            RunRow.status != RunStatus.ERROR.value,
        )
        with self._sessions() as session:
            return set(session.scalars(stmt))

    def newest_labelled_window(self, monitor: str) -> datetime | None:
        """End of the newest ``ok`` window with a performance figure computed on labels."""
        stmt = sa.select(sa.func.max(RunRow.window_end)).where(
            RunRow.monitor == monitor, RunRow.status == RunStatus.OK.value, _has_labelled_metric()
        )
        with self._sessions() as session:
            return session.scalar(stmt)

    def latest_labelled(self, monitors: Sequence[str]) -> dict[str, RunResult]:
        """Per monitor, the latest evaluation of its newest window with labelled figures."""
        out = {}
        with self._sessions() as session:
            for name in monitors:
                stmt = (
                    sa.select(RunRow)
                    .where(
                        RunRow.monitor == name,
                        RunRow.status == RunStatus.OK.value,
                        _has_labelled_metric(),
                    )
                    .options(*_RUN_CHILDREN)
                    .order_by(RunRow.window_end.desc(), RunRow.id.desc())
                    .limit(1)
                )
                row = session.scalars(stmt).first()
                if row is not None:
                    out[name] = from_row(row)
        return out

    def last_success_window(self, monitor: str) -> datetime | None:
        stmt = sa.select(sa.func.max(RunRow.window_end)).where(
            RunRow.monitor == monitor, RunRow.status == RunStatus.OK.value
        )
        with self._sessions() as session:
            return session.scalar(stmt)

    def last_window(self, monitor: str) -> datetime | None:
        """The newest window stored for ``monitor``, whatever the run's status."""
        stmt = sa.select(sa.func.max(RunRow.window_end)).where(RunRow.monitor == monitor)
        with self._sessions() as session:
            return session.scalar(stmt)

    def has_window(self, monitor: str, window_end: datetime) -> bool:
        """Whether a run of ``monitor`` for the window ending at ``window_end`` is stored."""
        stmt = sa.select(RunRow.id).where(
            RunRow.monitor == monitor, RunRow.window_end == window_end
        )
        with self._sessions() as session:
            return session.scalar(stmt.limit(1)) is not None

    def session(self) -> Session:
        return self._sessions()


def _has_labelled_metric() -> sa.ColumnElement[bool]:
    return (
        sa.select(MetricRow.id)
        .where(
            MetricRow.run_id == RunRow.id,
            MetricRow.kind != ESTIMATED,
            MetricRow.value.is_not(None),
        )
        .exists()
    )
