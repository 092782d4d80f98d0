"""The store's queries behind re-evaluation, backfill and the performance gauges."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.result import MetricResult, MetricStatus, RunResult, RunStatus
from monitor.store import Store
from monitor.windows import TimeRange

T = datetime(2026, 3, 2, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'results.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    opened = Store.open(url)
    yield opened
    opened.close()


def metric(value: float | None) -> MetricResult:
    status = MetricStatus.NO_LABELS if value is None else MetricStatus.OK
    return MetricResult("accuracy", value, None, None, None, status, 0 if value is None else 5)


def run(
    end: datetime,
    status: RunStatus = RunStatus.OK,
    *,
    value: float | None = None,
    estimated: float | None = None,
    known: int | None = None,
    reevaluates: int | None = None,
) -> RunResult:
    return RunResult(
        monitor="churn",
        status=status,
        window_end=end,
        current=TimeRange(end - timedelta(hours=1), end),
        reference=TimeRange(None, None),
        started_at=end,
        finished_at=end,
        metrics=(metric(value),),
        estimated=() if estimated is None else (metric(estimated),),
        labels_known=known,
        reevaluates=reevaluates,
    )


def test_latest_evaluation_per_window(store: Store) -> None:
    a = store.save(run(T, known=0))
    store.save(run(T + timedelta(hours=1), known=0))
    b = store.save(run(T, known=4, value=0.5, reevaluates=a))
    store.save(run(T, RunStatus.ERROR, reevaluates=b))
    store.save(run(T - timedelta(hours=1), known=9))  # before the range
    found = store.window_evaluations(
        "churn", since=T, until=T + timedelta(hours=2), status=RunStatus.OK
    )
    assert [(r.window_end, r.run_id, r.labels_known) for r in found] == [
        (T, b, 4),
        (T + timedelta(hours=1), found[1].run_id, 0),
    ]
    assert found[0].reevaluates == a
    # without a status filter the error run is the window's latest
    latest = store.window_evaluations("churn", since=T, until=T + timedelta(hours=1))
    assert [r.status for r in latest] == [RunStatus.ERROR]


def test_stored_windows_leave_out_errors(store: Store) -> None:
    store.save(run(T))
    store.save(run(T + timedelta(hours=1), RunStatus.INSUFFICIENT_DATA))
    store.save(run(T + timedelta(hours=2), RunStatus.ERROR))
    found = store.stored_windows("churn", since=T, until=T + timedelta(hours=2))
    assert found == {T, T + timedelta(hours=1)}


def test_newest_labelled_window_counts_realized_figures_only(store: Store) -> None:
    assert store.newest_labelled_window("churn") is None
    store.save(run(T, value=0.8))
    store.save(run(T + timedelta(hours=1), estimated=0.7))  # an estimate is not a label
    store.save(run(T + timedelta(hours=2), RunStatus.ERROR))
    assert store.newest_labelled_window("churn") == T
    (latest,) = store.latest_labelled(["churn", "other"]).values()
    assert latest.window_end == T and latest.metrics[0].value == 0.8
