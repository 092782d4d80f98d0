"""The results database on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.cli import main
from monitor.result import (
    ColumnResult,
    ColumnStatus,
    DatasetDrift,
    MetricResult,
    MetricStatus,
    Role,
    RunResult,
    RunStatus,
)
from monitor.store import Store
from monitor.store.migrate import current_revision, head_revision
from monitor.windows import TimeRange

END = datetime(2026, 5, 1, 12, tzinfo=UTC)


def result(
    monitor: str = "m", *, end: datetime = END, status: RunStatus = RunStatus.OK
) -> RunResult:
    column = ColumnResult(
        column="age",
        role=Role.FEATURE,
        feature_type="numerical",
        method="ks",
        score_kind="p_value",
        score=0.0123,
        threshold=0.05,
        drifted=True,
        status=ColumnStatus.OK,
        rows_reference=1000,
        rows_current=200,
        missing_reference=3,
        missing_current=1,
    )
    untested = ColumnResult(
        column="plan",
        role=Role.PREDICTION,
        feature_type="categorical",
        method=None,
        score_kind=None,
        score=float("nan"),
        threshold=None,
        drifted=None,
        status=ColumnStatus.INSUFFICIENT_DATA,
        rows_reference=0,
        rows_current=0,
        missing_reference=1000,
        missing_current=200,
    )
    metric = MetricResult("f1", 0.61, 0.8, 0.75, None, MetricStatus.BREACHED, 180)
    return RunResult(
        monitor=monitor,
        status=status,
        window_end=end,
        current=TimeRange(end - timedelta(hours=1), end),
        reference=TimeRange(None, None),
        started_at=end + timedelta(seconds=1),
        finished_at=end + timedelta(seconds=3),
        rows_reference=1000,
        rows_current=200,
        columns=(column, untested),
        metrics=(metric,),
        dataset_drift=DatasetDrift(1.0, 0.5, True, 1, 1),
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'nested' / 'results.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    opened = Store.open(url)
    yield opened
    opened.close()


def test_round_trip(store: Store) -> None:
    original = result()
    run_id = store.save(original)
    loaded = store.get_run(run_id)
    assert loaded is not None
    assert loaded.run_id == run_id
    assert loaded.window_end == END and loaded.window_end.tzinfo is not None
    assert loaded.current == original.current
    assert loaded.started_at == original.started_at
    assert loaded.columns[0] == original.columns[0]
    assert loaded.columns[1].score is None, "NaN is stored as NULL"
    assert loaded.columns[1].status is ColumnStatus.INSUFFICIENT_DATA
    assert loaded.metrics == original.metrics
    assert loaded.dataset_drift == original.dataset_drift


def test_times_in_other_zones_are_stored_as_utc(store: Store) -> None:
    local = END.astimezone(timezone(timedelta(hours=-7)))
    run_id = store.save(result(end=local))
    loaded = store.get_run(run_id)
    assert loaded is not None
    assert loaded.window_end == END
    assert loaded.window_end.utcoffset() == timedelta(0)


def test_latest_and_pages(store: Store) -> None:
    ids = [store.save(result("a", end=END + timedelta(hours=h))) for h in range(5)]
    store.save(result("b", status=RunStatus.ERROR))
    latest = store.latest()
    assert set(latest) == {"a", "b"}
    assert latest["a"].run_id == ids[-1]
    assert latest["b"].status is RunStatus.ERROR
    assert store.latest(["b"]).keys() == {"b"}
    page = store.runs("a", limit=2)
    assert [r.run_id for r in page] == [ids[4], ids[3]]
    assert [r.run_id for r in store.runs("a", limit=2, before=ids[3])] == [ids[2], ids[1]]
    assert store.last_success_window("a") == END + timedelta(hours=4)
    assert store.last_success_window("b") is None


def test_migrations_are_idempotent(store: Store) -> None:
    store.upgrade()
    store.upgrade()
    assert current_revision(store.engine) == head_revision()
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"runs", "column_results", "metric_results", "alembic_version"} <= tables


def test_deleting_a_run_removes_its_rows(store: Store) -> None:
    run_id = store.save(result())
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM runs WHERE id = :i"), {"i": run_id})
        left = conn.execute(
            sa.text("SELECT count(*) FROM column_results WHERE run_id = :i"), {"i": run_id}
        ).scalar_one()
    assert left == 0


def test_db_upgrade_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "r.db"
    config = tmp_path / "c.toml"
    config.write_text(f'[service]\nstore_url = "sqlite:///{database}"\n')
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert "newest schema" in capsys.readouterr().out
    engine = sa.create_engine(f"sqlite:///{database}")
    assert current_revision(engine) == head_revision()
    engine.dispose()
