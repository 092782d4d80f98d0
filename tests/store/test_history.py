"""Estimated metric rows (migration 0005_estimated) and history queries, on SQLite and
PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from alembic import command
from monitor.result import MetricResult, MetricStatus, RunResult, RunStatus
from monitor.store import Store
from monitor.store.history import Series, SeriesKind, read_history
from monitor.store.migrate import alembic_config, current_revision, head_revision
from tests.store.test_store import END, result


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'results.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    opened = Store.open(url)
    yield opened
    opened.close()


def estimated(value: float | None, status: MetricStatus = MetricStatus.OK) -> MetricResult:
    return MetricResult("f1", value, 0.9, 0.7, None, status, 500)


def with_values(
    hours: int,
    *,
    share: float,
    f1: float | None,
    estimate: float | None,
    status: RunStatus = RunStatus.OK,
) -> RunResult:
    base = result("m", end=END + timedelta(hours=hours), status=status)
    if status is not RunStatus.OK:
        return dataclasses.replace(base, columns=(), metrics=(), dataset_drift=None)
    assert base.dataset_drift is not None
    metric = dataclasses.replace(base.metrics[0], value=f1)
    return dataclasses.replace(
        base,
        dataset_drift=dataclasses.replace(base.dataset_drift, share=share, detected=share >= 0.5),
        metrics=(metric,),
        estimated=(estimated(estimate),),
    )


def test_upgrade_from_0004_keeps_metric_rows_as_realized(url: str) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004_labels")
    with engine.begin() as connection:
        run_id = connection.execute(
            sa.text(
                "INSERT INTO runs (monitor, status, window_end, started_at, finished_at, "
                "duration_seconds) VALUES ('old', 'ok', :t, :t, :t, 0.5) RETURNING id"
            ),
            {"t": END},
        ).scalar_one()
        connection.execute(
            sa.text(
                "INSERT INTO metric_results (run_id, metric, value, status, rows) "
                "VALUES (:r, 'f1', 0.8, 'ok', 10)"
            ),
            {"r": run_id},
        )
    engine.dispose()

    store = Store.open(url)
    try:
        assert current_revision(store.engine) == head_revision()
        (old,) = store.runs("old")
        assert [(m.metric, m.value) for m in old.metrics] == [("f1", 0.8)]
        assert old.estimated == ()
        kept = store.save(with_values(0, share=0.1, f1=0.8, estimate=0.75))
        loaded = store.get_run(kept)
        assert loaded is not None and loaded.estimated == (estimated(0.75),)
    finally:
        store.close()

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004_labels")
    with engine.connect() as connection:
        kinds = connection.execute(sa.text("SELECT metric, value FROM metric_results")).all()
    columns = {c["name"] for c in sa.inspect(engine).get_columns("metric_results")}
    engine.dispose()
    assert "kind" not in columns
    assert sorted(kinds) == [("f1", 0.8), ("f1", 0.8)]  # the estimates went, realized rows stay


def test_history_of_each_series_equals_the_stored_results(store: Store) -> None:
    runs = [
        with_values(0, share=0.25, f1=0.81, estimate=0.79),
        with_values(1, share=0.0, f1=None, estimate=0.77),
        with_values(2, share=0.0, f1=None, estimate=None, status=RunStatus.ERROR),
        with_values(3, share=0.75, f1=0.6, estimate=0.62),
    ]
    ids = [store.save(r) for r in runs]
    stored = [store.get_run(i) for i in ids]

    share = read_history(store, "m", Series(SeriesKind.DATASET_DRIFT_SHARE))
    assert [p.run_id for p in share] == ids
    assert [p.window_end for p in share] == [r.window_end for r in runs]
    assert [p.value for p in share] == [0.25, 0.0, None, 0.75]
    assert [p.status for p in share] == ["ok", "ok", None, "drift"]
    assert [p.run_status for p in share] == ["ok", "ok", "error", "ok"]
    assert share[0].threshold == 0.5

    realized = read_history(store, "m", Series.of(metric="f1", column=None, estimated=False))
    assert [p.value for p in realized] == [0.81, None, None, 0.6]
    assert [p.status for p in realized] == ["breached", "breached", None, "breached"]
    assert realized[0].lower_bound == 0.75

    est = read_history(store, "m", Series.of(metric="f1", column=None, estimated=True))
    assert [p.value for p in est] == [
        r.estimated[0].value if r is not None and r.estimated else None for r in stored
    ]

    column = read_history(store, "m", Series.of(metric=None, column="age", estimated=False))
    assert [p.value for p in column] == [0.0123, 0.0123, None, 0.0123]
    assert column[0].method == "ks" and column[0].status == "drift" and column[0].threshold == 0.05
    untested = read_history(store, "m", Series.of(metric=None, column="plan", estimated=False))
    assert [p.value for p in untested][:2] == [None, None]
    assert untested[0].status == "insufficient_data"


def test_filters_last_and_reruns(store: Store) -> None:
    for h in range(6):
        store.save(with_values(h, share=h / 10, f1=0.8, estimate=0.8))
    rerun = store.save(with_values(2, share=0.99, f1=0.8, estimate=0.8))
    store.save(
        dataclasses.replace(with_values(2, share=0.5, f1=0.8, estimate=0.8), monitor="other")
    )
    series = Series(SeriesKind.DATASET_DRIFT_SHARE)

    every = read_history(store, "m", series)
    assert [p.value for p in every] == [0.0, 0.1, 0.99, 0.3, 0.4, 0.5]
    assert every[2].run_id == rerun

    window = read_history(
        store, "m", series, start=END + timedelta(hours=1), end=END + timedelta(hours=3)
    )
    assert [p.window_end for p in window] == [END + timedelta(hours=h) for h in (1, 2, 3)]
    assert [p.value for p in read_history(store, "m", series, last=2)] == [0.4, 0.5]
    assert [p.value for p in read_history(store, "m", series, last=5, end=END)] == [0.0]
    assert read_history(store, "nobody", series) == []


def test_a_series_is_metric_column_or_the_drift_share() -> None:
    assert (
        Series.of(metric=None, column=None, estimated=False).kind is SeriesKind.DATASET_DRIFT_SHARE
    )
    with pytest.raises(ValueError, match="not both"):
        Series.of(metric="f1", column="age", estimated=False)
    with pytest.raises(ValueError, match="'metric' only"):
        Series.of(metric=None, column="age", estimated=True)
