"""Quality and multivariate rows and the new column fields in the results
database: round trip on SQLite and PostgreSQL, and the 0002 migration over data
written at 0001."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from alembic import command
from monitor.result import (
    CheckStatus,
    ColumnResult,
    ColumnStatus,
    MultivariateResult,
    QualityCheck,
    QualityResult,
    Role,
    RunResult,
    RunStatus,
)
from monitor.store import Store, create_store_engine
from monitor.store.migrate import alembic_config, current_revision, head_revision
from monitor.windows import TimeRange

END = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _result() -> RunResult:
    column = ColumnResult(
        column="age",
        role=Role.FEATURE,
        feature_type="numerical",
        method="ks",
        score_kind="p_value",
        score=0.004,
        threshold=0.05,
        drifted=False,
        status=ColumnStatus.OK,
        rows_reference=900,
        rows_current=300,
        missing_reference=0,
        missing_current=12,
        p_value_adjusted=0.06,
        correction="fdr_bh",
        effect_method="wasserstein",
        effect_size=0.07,
        effect_threshold=0.1,
    )
    return RunResult(
        monitor="m",
        status=RunStatus.OK,
        window_end=END,
        current=TimeRange(END - timedelta(hours=1), END),
        reference=TimeRange(END - timedelta(days=1), END - timedelta(hours=1)),
        started_at=END,
        finished_at=END + timedelta(seconds=2),
        rows_reference=900,
        rows_current=300,
        columns=(column, dataclasses.replace(column, column="plain", p_value_adjusted=None)),
        quality=(
            QualityResult(QualityCheck.ROW_COUNT, None, 300.0, None, 100.0, None, CheckStatus.OK),
            QualityResult(QualityCheck.MISSING_SHARE, "age", 0.04, 0.0, None, 0.1, CheckStatus.OK),
            QualityResult(
                QualityCheck.UNSEEN_SHARE,
                "plan",
                None,
                None,
                None,
                0.05,
                CheckStatus.INSUFFICIENT_DATA,
            ),
        ),
        multivariate=(
            MultivariateResult(
                "pca_reconstruction",
                float("inf"),
                None,
                1.2,
                True,
                ColumnStatus.OK,
                900,
                300,
                6,
                components=3,
            ),
            MultivariateResult(
                "domain_classifier",
                None,
                None,
                None,
                None,
                ColumnStatus.INSUFFICIENT_DATA,
                900,
                3,
                6,
                message="each window needs at least cv_folds = 5 rows",
            ),
        ),
    )


def _round_trip(url: str) -> None:
    store = Store.open(url)
    try:
        result = _result()
        run_id = store.save(result)
        loaded = store.get_run(run_id)
        latest = store.latest(["m"])["m"]
    finally:
        store.close()
    expected = dataclasses.replace(result, run_id=run_id)
    assert loaded == expected
    assert latest == expected


def test_round_trip_sqlite(store_url: str) -> None:
    _round_trip(store_url)


@pytest.mark.integration
def test_round_trip_postgresql(postgres_url: str) -> None:
    _round_trip(postgres_url)


def _upgrade_keeps_old_rows(url: str) -> None:
    engine = create_store_engine(url)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    with engine.begin() as conn:
        run_id = conn.execute(
            sa.text(
                "INSERT INTO runs (monitor, status, window_end, started_at, finished_at, "
                "duration_seconds) VALUES ('old', 'ok', :t, :t, :t, 0) RETURNING id"
            ),
            {"t": END.replace(tzinfo=None)},
        ).scalar_one()
        conn.execute(
            sa.text(
                'INSERT INTO column_results (run_id, "column", role, feature_type, status, '
                "rows_reference, rows_current, missing_reference, missing_current, score) "
                "VALUES (:r, 'age', 'feature', 'numerical', 'ok', 10, 10, 0, 0, 0.5)"
            ),
            {"r": run_id},
        )
    engine.dispose()
    store = Store.open(url)
    try:
        assert current_revision(store.engine) == head_revision()
        old = store.get_run(run_id)
    finally:
        store.close()
    assert old is not None and old.quality == () and old.multivariate == ()
    (column,) = old.columns
    assert column.score == 0.5
    assert (column.p_value_adjusted, column.correction, column.effect_method) == (None,) * 3


def test_upgrade_from_0001_keeps_stored_runs_sqlite(store_url: str) -> None:
    _upgrade_keeps_old_rows(store_url)


@pytest.mark.integration
def test_upgrade_from_0001_keeps_stored_runs_postgresql(postgres_url: str) -> None:
    _upgrade_keeps_old_rows(postgres_url)


def test_downgrade_to_0001_drops_only_the_new_parts(store_url: str) -> None:
    store = Store.open(store_url)
    store.save(_result())
    engine = store.engine
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    tables = set(sa.inspect(engine).get_table_names())
    columns = {c["name"] for c in sa.inspect(engine).get_columns("column_results")}
    with engine.connect() as conn:
        kept = conn.execute(sa.text("SELECT count(*) FROM column_results")).scalar_one()
    store.close()
    assert {"quality_results", "multivariate_results"}.isdisjoint(tables)
    assert "p_value_adjusted" not in columns and "missing_current" in columns
    assert kept == 2
