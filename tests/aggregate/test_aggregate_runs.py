"""Aggregate mode against row mode on the same seeded data (SQLite and PostgreSQL).

Exact (to rounding of sums) where both modes bin on the same edges: category
tests, psi / jensenshannon / kl_div, numerical columns with few values,
quality shares, traffic and performance metrics. Bounded for ks and
wasserstein on quantile bins: the bound is recomputed here from the raw
values with numpy, independently of the SQL.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from scipy import stats

from monitor.aggregate.window import quantile_edges
from monitor.columns import TypedColumn, numerical
from monitor.result import ColumnResult, RunResult, RunStatus
from monitor.runner import Runner
from monitor.stats import FeatureType, Sample
from monitor.stats.binned import ks_bound, ks_statistic_binned, wasserstein_bound
from monitor.store import Store
from tests.aggregate.conftest import Source
from tests.aggregate.counts import counted_numbers
from tests.aggregate.data import CURRENT_END, CURRENT_SPAN, REFERENCE_END, logs, monitor
from tests.conftest import write_table

REFERENCE_ROWS, CURRENT_ROWS = 4000, 20_000


def both(url: str, **extra: Any) -> tuple[RunResult, RunResult]:
    rows = Runner().run(monitor(url, mode="rows", **extra), CURRENT_END)
    counted = Runner().run(monitor(url, mode="aggregate", **extra), CURRENT_END)
    assert rows.status is RunStatus.OK, rows.error
    assert counted.status is RunStatus.OK, counted.error
    return rows, counted


def by_column(result: RunResult) -> dict[str, ColumnResult]:
    return {c.column: c for c in result.columns}


def _typed(values: np.ndarray) -> TypedColumn:
    return TypedColumn("x", FeatureType.NUMERICAL, values, 0)


def current_values(frame: pd.DataFrame, column: str) -> np.ndarray:
    start = (CURRENT_END - CURRENT_SPAN).replace(tzinfo=None)
    window = frame[frame["ts"] >= start]
    return numerical(window[column], column=column, monitor="agg", window="current").values


def reference_values(frame: pd.DataFrame, column: str) -> np.ndarray:
    reference = frame[frame["ts"] < REFERENCE_END.replace(tzinfo=None)]
    return numerical(reference[column], column=column, monitor="agg", window="ref").values


@pytest.mark.parametrize("shift", [0.0, 0.05])
def test_default_rule_results_match_row_mode(source: Source, shift: float) -> None:
    frame = logs(reference_rows=REFERENCE_ROWS, current_rows=CURRENT_ROWS, shift=shift)
    url = source(frame)
    rows, counted = both(url)
    assert counted.rows_current == rows.rows_current == CURRENT_ROWS
    assert counted.rows_reference == rows.rows_reference == REFERENCE_ROWS
    row_cols, agg_cols = by_column(rows), by_column(counted)
    assert row_cols.keys() == agg_cols.keys()
    for name, row in row_cols.items():
        agg = agg_cols[name]
        assert (agg.method, agg.status, agg.threshold) == (row.method, row.status, row.threshold)
        assert (agg.rows_current, agg.missing_current) == (row.rows_current, row.missing_current)
        assert agg.score is not None and row.score is not None
        if name in ("income", "age", "score"):  # wasserstein on quantile bins
            assert row.method == "wasserstein"
            ref = reference_values(frame, name)
            if url.startswith("postgresql") and name == "income":  # the NaN rows (conftest)
                frame = frame.assign(income=frame.income.where(frame.visits != 7))
                ref = reference_values(frame, name)
            cur = current_values(frame, name)
            counted_cur = counted_numbers(cur, quantile_edges(_typed(ref), 100))
            bound = wasserstein_bound(Sample.numerical(ref), counted_cur)
            assert abs(agg.score - row.score) <= bound + 1e-12
            assert abs(agg.score - row.score) <= 0.1 * max(row.score, 0.01)
        else:  # category tests and columns with few values: the same counts
            assert agg.score == pytest.approx(row.score, rel=1e-9, abs=1e-15)
    assert counted.dataset_drift == rows.dataset_drift
    assert counted.label_coverage == rows.label_coverage == 1.0
    assert [m.metric for m in counted.metrics] == [m.metric for m in rows.metrics]
    for row_m, agg_m in zip(rows.metrics, counted.metrics, strict=True):
        assert (agg_m.status, agg_m.rows) == (row_m.status, row_m.rows)
        assert agg_m.value == pytest.approx(row_m.value, rel=1e-12)
        assert agg_m.reference_value == row_m.reference_value
    assert len(counted.quality) == len(rows.quality)
    for row_q, agg_q in zip(rows.quality, counted.quality, strict=True):
        assert (agg_q.check, agg_q.column, agg_q.status) == (
            row_q.check,
            row_q.column,
            row_q.status,
        )
        assert agg_q.value == pytest.approx(row_q.value, rel=1e-12)
    assert counted.traffic is not None and rows.traffic is not None
    assert counted.traffic.prediction is not None and rows.traffic.prediction is not None
    agg_p, row_p = counted.traffic.prediction, rows.traffic.prediction
    assert (agg_p.upper_bounds, agg_p.cumulative, agg_p.count) == (
        row_p.upper_bounds,
        row_p.cumulative,
        row_p.count,
    )
    assert agg_p.total == pytest.approx(row_p.total, rel=1e-12)


@pytest.mark.parametrize("method", ["psi", "jensenshannon", "kl_div"])
def test_sturges_binned_numerical_tests_equal_row_mode(source: Source, method: str) -> None:
    url = source(logs(reference_rows=REFERENCE_ROWS, current_rows=CURRENT_ROWS, shift=0.05))
    rows, counted = both(url, drift={"numerical_method": method})
    for name, row in by_column(rows).items():
        agg = by_column(counted)[name]
        assert agg.method == row.method
        assert agg.score == pytest.approx(row.score, rel=1e-9, abs=1e-15)
        assert agg.drifted == row.drifted


@pytest.mark.parametrize("method", ["chisquare", "g_test", "l_infinity", "hellinger", "psi"])
def test_category_tests_equal_row_mode(source: Source, method: str) -> None:
    url = source(logs(reference_rows=REFERENCE_ROWS, current_rows=CURRENT_ROWS, shift=0.02))
    rows, counted = both(url, drift={"categorical_method": method})
    for name in ("plan", "region", "segment", "pred", "label"):
        row, agg = by_column(rows)[name], by_column(counted)[name]
        assert row.method == agg.method == method
        assert agg.score == pytest.approx(row.score, rel=1e-9, abs=1e-15)


def test_ks_on_quantile_bins_within_its_bound(source: Source) -> None:
    frame = logs(reference_rows=REFERENCE_ROWS, current_rows=CURRENT_ROWS, shift=0.01)
    url = source(frame)
    rows, counted = both(
        url, drift={"columns": {"age": {"method": "ks"}}}, aggregate={"quantile_bins": 200}
    )
    row, agg = by_column(rows)["age"], by_column(counted)["age"]
    assert row.method == agg.method == "ks"
    ref, cur = reference_values(frame, "age"), current_values(frame, "age")
    binned = counted_numbers(cur, quantile_edges(_typed(ref), 200))
    d = ks_statistic_binned(Sample.numerical(ref), binned)
    bound = ks_bound(binned)
    assert bound < 0.02
    en = ref.size * cur.size / (ref.size + cur.size)
    assert agg.score == pytest.approx(stats.kstwo.sf(d, round(en)), rel=1e-6, abs=1e-12)
    assert row.score is not None and agg.score is not None
    low = stats.kstwo.sf(d + bound, round(en))
    high = stats.kstwo.sf(max(d - bound, 0.0), round(en))
    assert low - 1e-9 <= row.score <= high + 1e-9


def test_regression_metrics_equal_row_mode(source: Source) -> None:
    url = source(logs(reference_rows=REFERENCE_ROWS, current_rows=CURRENT_ROWS, shift=0.3))
    extra = {
        "numerical": ["income"],
        "categorical": ["plan"],
        "prediction": "amount_pred",
        "prediction_score": None,
        "target": "amount",
        "task": "regression",
        "performance": [{"metric": m} for m in ("mae", "rmse", "mape", "r2")],
    }
    rows, counted = both(url, **extra)
    assert [m.metric for m in counted.metrics] == ["mae", "rmse", "mape", "r2"]
    for row_m, agg_m in zip(rows.metrics, counted.metrics, strict=True):
        assert agg_m.rows == row_m.rows == CURRENT_ROWS
        assert agg_m.value == pytest.approx(row_m.value, rel=1e-9)
        assert agg_m.status == row_m.status


def test_multiclass_metrics_equal_row_mode(source: Source) -> None:
    frame = logs(reference_rows=REFERENCE_ROWS, current_rows=CURRENT_ROWS, shift=0.1)
    rng = np.random.default_rng(4)
    frame["plan_pred"] = np.where(rng.random(len(frame)) < 0.7, frame["plan"], "pro")
    frame.loc[rng.random(len(frame)) < 0.01, "plan_pred"] = None
    url = source(frame)
    performance = [
        {"metric": metric, "average": average}
        for metric in ("precision", "recall", "f1")
        for average in ("weighted", "macro", "micro")
    ] + [{"metric": "accuracy"}]
    extra = {
        "categorical": ["region"],
        "prediction": "plan_pred",
        "prediction_score": None,
        "target": "plan",
        "task": "multiclass_classification",
        "performance": performance,
    }
    rows, counted = both(url, **extra)
    for row_m, agg_m in zip(rows.metrics, counted.metrics, strict=True):
        assert agg_m.rows == row_m.rows < CURRENT_ROWS
        assert agg_m.value == pytest.approx(row_m.value, rel=1e-12)


def test_empty_current_window_is_insufficient_data(source: Source) -> None:
    frame = logs(reference_rows=REFERENCE_ROWS, current_rows=100, shift=0.0)
    start = (CURRENT_END - CURRENT_SPAN).replace(tzinfo=None)
    url = source(frame[frame["ts"] < start])
    result = Runner().run(monitor(url, mode="aggregate"), CURRENT_END)
    assert result.status is RunStatus.INSUFFICIENT_DATA
    assert result.rows_current == 0
    assert result.error is not None and "current window" in result.error


def test_refused_test_at_run_time_is_an_error_result_naming_the_column(source: Source) -> None:
    url = source(logs(reference_rows=REFERENCE_ROWS, current_rows=2000, shift=0.0))
    config = monitor(url, mode="aggregate", drift={"columns": {"income": {"method": "mannw"}}})
    result = Runner().run(config, CURRENT_END)
    assert result.status is RunStatus.ERROR
    assert result.error is not None
    assert "monitor 'agg'" in result.error and "'mannw'" in result.error
    assert "drift.columns.income.method" in result.error


def test_no_raw_rows_of_the_current_window_are_fetched(source: Source) -> None:
    url = source(logs(reference_rows=REFERENCE_ROWS, current_rows=CURRENT_ROWS, shift=0.0))
    for mode, most in (("aggregate", 1000), ("rows", None)):
        runner = Runner()
        engine = runner.engines.get(url)
        statements: list[tuple[str, Any]] = []
        sa.event.listen(engine, "before_cursor_execute", _capture(statements))
        config = monitor(url, mode=mode, loader="sqlalchemy")
        result = runner.run(config, CURRENT_END)
        assert result.status is RunStatus.OK, result.error
        current = [(s, p) for s, p in statements if _mentions_current_start(p)]
        assert current, "the current window was read"
        fetched = 0
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            for statement, parameters in current:
                cursor = raw.cursor()
                cursor.execute(statement, parameters)
                fetched += len(cursor.fetchall())
                cursor.close()
        if most is None:
            assert fetched >= CURRENT_ROWS  # row mode reads every row
        else:
            assert fetched <= most
            assert all("count(" in s.lower() or "sum(" in s.lower() for s, _ in current)


def _capture(into: list[tuple[str, Any]]) -> Any:
    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        into.append((statement, parameters))

    return capture


def _mentions_current_start(parameters: Any) -> bool:
    start = (CURRENT_END - CURRENT_SPAN).replace(tzinfo=None)
    values = parameters.values() if isinstance(parameters, dict) else parameters or ()
    for value in values:
        if hasattr(value, "replace") and not isinstance(value, str):
            try:
                if value.replace(tzinfo=None) == start:
                    return True
            except TypeError:
                continue
        if isinstance(value, str) and value.startswith(start.isoformat(sep=" ")[:19]):
            return True
    return False


def test_aggregate_runs_are_stored_like_row_runs(source: Source, store_url: str) -> None:
    url = source(logs(reference_rows=REFERENCE_ROWS, current_rows=5000, shift=0.1))
    result = Runner().run(monitor(url, mode="aggregate"), CURRENT_END)
    store = Store.open(store_url)
    try:
        run_id = store.save(result)
        stored = store.get_run(run_id)
    finally:
        store.close()
    assert stored is not None
    assert stored.status is RunStatus.OK
    assert {c.column: c.score for c in stored.columns} == {
        c.column: c.score for c in result.columns
    }
    assert [m.value for m in stored.metrics] == [m.value for m in result.metrics]


def test_rows_arriving_during_a_run_do_not_split_its_counts(postgres_url: str) -> None:
    """Late rows committed between two statements of one run stay out of all of them."""
    frame = logs(reference_rows=REFERENCE_ROWS, current_rows=3000, shift=0.0)
    write_table(postgres_url, "logs", frame)
    late = frame.tail(500).assign(income=frame.income.max() * 10)  # new extremes too
    runner = Runner()
    engine = runner.engines.get(postgres_url)
    inserted: list[bool] = []

    def insert_late_rows(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "binned0" in statement and not inserted:
            inserted.append(True)
            writer = sa.create_engine(postgres_url)
            with writer.begin() as conn:
                late.to_sql("logs", conn, index=False, if_exists="append")
            writer.dispose()

    sa.event.listen(engine, "before_cursor_execute", insert_late_rows)
    result = runner.run(monitor(postgres_url, mode="aggregate"), CURRENT_END)
    assert inserted
    assert result.status is RunStatus.OK, result.error
    assert result.rows_current == 3000
    assert {c.rows_current + c.missing_current for c in result.columns} == {3000}
    assert all(c.missing_current >= 0 for c in result.columns)
    income = by_column(result)["income"]  # counted by the histogram statement
    assert (income.rows_current, income.missing_current) == (3000, 0)
    again = Runner().run(monitor(postgres_url, mode="aggregate"), CURRENT_END)
    assert again.rows_current == 3500


def test_a_fixed_reference_is_read_once_then_only_the_current_window_is_counted(
    sqlite_url: str,
) -> None:
    frame = logs(reference_rows=REFERENCE_ROWS, current_rows=3000, shift=0.0)
    write_table(sqlite_url, "logs", frame)
    runner = Runner()
    engine = runner.engines.get(sqlite_url)
    statements: list[tuple[str, Any]] = []
    sa.event.listen(engine, "before_cursor_execute", _capture(statements))
    config = monitor(sqlite_url, mode="aggregate")
    first = runner.run(config, CURRENT_END)
    read_first = len(statements)
    statements.clear()
    second = runner.run(config, CURRENT_END)
    assert first.status is second.status is RunStatus.OK
    assert by_column(first) == by_column(second)
    assert runner.profiles.hits == 1 and runner.profiles.misses == 1
    assert statements and len(statements) < read_first
    assert all(_mentions_current_start(p) for _, p in statements)
