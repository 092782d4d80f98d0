"""Bad data through ``driftwarden run`` into the results database, on SQLite and PostgreSQL.

Each case writes prediction logs with one defect, runs every monitor of the config
and reads back both the printed JSON and the stored rows: a clear error naming the
monitor and the column where the data cannot be used, a defined outcome otherwise,
and the other monitor of the config always runs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from prometheus_client.registry import CollectorRegistry
from scipy import stats

from monitor.cli import main
from monitor.config import parse_config
from monitor.exporter import Exporter
from monitor.latest import LatestResults
from monitor.pipeline import Pipeline
from monitor.result import RunStatus
from monitor.runner import Runner
from monitor.store import Store
from tests.conftest import write_table
from tests.factories import CURRENT_END, REFERENCE_START, logs, prediction_logs, write_config
from tests.integration.test_cli_end_to_end import stored

CURRENT_START = CURRENT_END - timedelta(days=1)

SECOND_MONITOR = """
[[monitors]]
name = "steady"
source_url = "{source_url}"
table = "predictions"
timestamp_column = "ts"
numerical = ["age"]
categorical = ["plan"]
schedule = "every 1h"
current = {{ last = "1d" }}
reference = {{ start = "2026-01-01T00:00:00+00:00", end = "2026-01-08T00:00:00+00:00" }}
"""
"""A monitor on columns the defects leave alone: it must run whatever the other meets."""


@pytest.fixture(params=["sqlite", "postgres"])
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(source URL, results database URL) of the same kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'source.db'}", f"sqlite:///{tmp_path / 'results.db'}"
    else:
        make: Callable[[], str] = request.getfixturevalue("postgres_url_factory")
        yield make(), make()


def run_all(
    urls: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    data: pd.DataFrame,
    *,
    extra: str = "",
    dtype: dict[str, Any] | None = None,
    steady: str = "ok",
) -> tuple[int, dict[str, dict[str, Any]]]:
    source_url, store_url = urls
    write_table(source_url, "predictions", data, dtype=dtype)
    config = write_config(tmp_path / "config.toml", source_url, store_url, extra=extra)
    config.write_text(config.read_text() + SECOND_MONITOR.format(source_url=source_url))
    code = main(
        ["run", "--config", str(config), "--at", CURRENT_END.isoformat(), "--format", "json"]
    )
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    out = {line["monitor"]: line for line in lines}
    assert set(out) == {"churn", "steady"}
    assert out["steady"]["status"] == steady, "the other monitor runs as usual"
    return code, out


def current_rows(data: pd.DataFrame) -> pd.DataFrame:
    ts = pd.to_datetime(data["ts"])
    return data[
        (ts >= CURRENT_START.replace(tzinfo=None)) & (ts < CURRENT_END.replace(tzinfo=None))
    ]


def columns_of(out: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["column"]: c for c in out["columns"]}


def test_text_in_a_numerical_column_is_an_error_run_naming_monitor_and_column(
    urls: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = prediction_logs(drift=False)
    data["balance"] = data["balance"].astype(object)
    data.loc[data.index[-3:], "balance"] = "n/a"
    code, out = run_all(urls, tmp_path, capsys, data)
    churn = out["churn"]
    assert code == 3
    assert churn["status"] == "error"
    assert "monitor 'churn'" in churn["error"]
    assert "numerical column 'balance'" in churn["error"] and "'n/a'" in churn["error"]
    run, columns, metrics = stored(urls[1], churn["run_id"])
    assert (run["status"], run["error"]) == ("error", churn["error"])
    assert columns == [] and metrics == []


def test_infinities_are_missing_and_the_test_runs_on_the_finite_values(
    urls: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = prediction_logs(drift=False)
    now = current_rows(data).index
    data.loc[now[:5], "balance"] = np.inf
    data.loc[now[5:8], "balance"] = -np.inf
    data.loc[now[8:10], "balance"] = np.nan
    data.loc[data.index[:4], "balance"] = np.inf  # in the reference window too
    code, out = run_all(urls, tmp_path, capsys, data)
    assert code == 0
    balance = columns_of(out["churn"])["balance"]
    assert balance["missing"] == {"reference": 4, "current": 10}
    assert out["churn"]["rows"]["current"] == len(now)
    reference = data.loc[data.index[: out["churn"]["rows"]["reference"]], "balance"]
    current = data.loc[now, "balance"]
    ref, cur = reference[np.isfinite(reference)], current[np.isfinite(current)]
    expected = stats.wasserstein_distance(ref, cur) / max(float(ref.std(ddof=0)), 0.001)
    assert balance["method"] == "wasserstein"
    assert balance["score"] == pytest.approx(expected, rel=1e-9)
    _, columns, _ = stored(urls[1], out["churn"]["run_id"])
    row = {c["column"]: c for c in columns}["balance"]
    assert (row["missing_reference"], row["missing_current"]) == (4, 10)
    assert row["rows_current"] == len(now) - 10, "values tested: the finite ones"
    assert row["score"] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("sql_type", ["float", "text"])
def test_an_all_null_column_is_untested_not_an_error(
    urls: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    sql_type: str,
) -> None:
    data = prediction_logs(drift=False)
    data["balance"] = None
    dtype = {"balance": sa.Float() if sql_type == "float" else sa.Text()}
    code, out = run_all(urls, tmp_path, capsys, data, dtype=dtype)
    assert code == 0 and out["churn"]["status"] == "ok"
    balance = columns_of(out["churn"])["balance"]
    assert balance["status"] == "insufficient_data"
    assert (balance["score"], balance["drifted"]) == (None, None)
    assert balance["missing"] == {
        "reference": out["churn"]["rows"]["reference"],
        "current": out["churn"]["rows"]["current"],
    }
    assert columns_of(out["churn"])["age"]["status"] == "ok"
    _, columns, _ = stored(urls[1], out["churn"]["run_id"])
    row = {c["column"]: c for c in columns}["balance"]
    assert (row["status"], row["score"], row["drifted"]) == ("insufficient_data", None, None)


def test_a_constant_column_does_not_drift(
    urls: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = prediction_logs(drift=False)
    data["balance"] = 125.5
    data["region"] = "eu"
    code, out = run_all(urls, tmp_path, capsys, data)
    assert code == 0 and out["churn"]["status"] == "ok"
    by_column = columns_of(out["churn"])
    for name in ("balance", "region"):
        assert by_column[name]["status"] == "ok"
        assert by_column[name]["drifted"] is False, by_column[name]
    _, columns, _ = stored(urls[1], out["churn"]["run_id"])
    assert {c["column"]: bool(c["drifted"]) for c in columns}["balance"] is False


def test_a_single_row_window_is_insufficient_data_or_tested_with_min_rows_1(
    urls: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = prediction_logs(drift=False)
    now = current_rows(data).index
    data = data.drop(index=now[1:])
    code, out = run_all(urls, tmp_path, capsys, data, steady="insufficient_data")
    churn = out["churn"]
    assert code == 0 and churn["status"] == "insufficient_data"
    assert churn["rows"]["current"] == 1
    assert "current window" in churn["error"] and "has 1" in churn["error"]
    run, _, _ = stored(urls[1], churn["run_id"])
    assert run["status"] == "insufficient_data"

    code, out = run_all(
        urls, tmp_path, capsys, data, extra="min_rows = 1", steady="insufficient_data"
    )
    churn = out["churn"]
    assert churn["status"] == "ok" and churn["rows"]["current"] == 1
    for column in churn["columns"]:
        # Each test either gives a number or says it had too few values.
        assert column["status"] in ("ok", "insufficient_data")
        assert (column["score"] is None) == (column["status"] == "insufficient_data")


def test_naive_and_offset_timestamps_mixed_in_one_text_column_select_the_same_instants(
    urls: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = prediction_logs(drift=False)
    instants = pd.to_datetime(data["ts"]).dt.tz_localize(UTC)
    plus_two = timezone(timedelta(hours=2))
    data["ts"] = [
        # odd rows naive (read as UTC), even rows with a +02:00 offset
        t.replace(tzinfo=None).isoformat(sep=" ") if i % 2 else t.astimezone(plus_two).isoformat()
        for i, t in enumerate(instants)
    ]
    assert data["ts"].str.contains("+02:00", regex=False).sum() == (len(data) + 1) // 2
    assert not data["ts"].str.contains("+00:00", regex=False).any()
    expected = int(((instants >= CURRENT_START) & (instants < CURRENT_END)).sum())
    code, out = run_all(urls, tmp_path, capsys, data, dtype={"ts": sa.Text()})
    assert code == 0 and out["churn"]["status"] == "ok"
    assert out["churn"]["rows"]["current"] == expected
    run, _, _ = stored(urls[1], out["churn"]["run_id"])
    assert run["rows_current"] == expected


CATEGORIES = 100_000


def high_cardinality_logs() -> pd.DataFrame:
    """100,000 distinct ids in the reference and as many other ones in the current window."""
    reference = logs(REFERENCE_START, 7 * 24, per_hour=CATEGORIES // (7 * 24) + 1)
    current = logs(CURRENT_START, 24, per_hour=CATEGORIES // 24 + 1, seed=1)
    reference["user"] = [f"u{i}" for i in range(len(reference))]
    current["user"] = [f"v{i}" for i in range(len(current))]
    return pd.concat([reference, current], ignore_index=True)


def series(exporter: Exporter) -> list[tuple[str, dict[str, str]]]:
    return [
        (sample.name, dict(sample.labels))
        for family in exporter.registry.collect()
        for sample in family.samples
    ]


def test_100000_categories_are_tested_as_one_column_and_exported_as_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    data = high_cardinality_logs()
    reference_ids = int(data["user"].str.startswith("u").sum())
    assert reference_ids >= CATEGORIES
    write_table(source_url, "predictions", data)
    text = write_config(
        tmp_path / "config.toml", source_url, f"sqlite:///{tmp_path / 'results.db'}"
    ).read_text()
    declared = text.replace(
        'categorical = ["plan", "region"]', 'categorical = ["plan", "region", "user"]'
    )
    inferred = text.replace('categorical = ["plan", "region"]\n', "")
    found = {}
    for name, config_text in (("declared", declared), ("inferred", inferred), ("without", text)):
        config = parse_config(config_text, environ={})
        store = Store.open(config.service.store_url)
        latest = LatestResults()
        exporter = Exporter(latest, registry=CollectorRegistry(), process_metrics=False)
        exporter.reconfigure(config)
        runner = Runner()
        try:
            with caplog.at_level(logging.WARNING, logger="monitor.runner"):
                result = Pipeline(runner, store, [latest, exporter]).run(
                    config.monitors[0], CURRENT_END
                )
        finally:
            runner.engines.dispose()
            store.close()
        assert result.status is RunStatus.OK, result.error
        found[name] = (result, series(exporter))

    # Declared: tested like any categorical column, with every category counted.
    user = {c.column: c for c in found["declared"][0].columns}["user"]
    assert (user.method, user.drifted, user.status.value) == ("jensenshannon", True, "ok")
    assert user.score == pytest.approx(np.sqrt(np.log(2)), rel=1e-12)  # disjoint: the maximum
    # Inferred: left out, with a log line naming the column and its count.
    assert "user" not in {c.column for c in found["inferred"][0].columns}
    lines = [r.getMessage() for r in caplog.records if "'user'" in r.getMessage()]
    declared_line, inferred_line = lines
    assert f"column 'user' has {reference_ids} distinct values in the reference" in declared_line
    assert "exported as one series, not one per value" in declared_line
    assert f"{reference_ids} distinct values (more than max_categories = 1000)" in inferred_line
    assert "left out of inferred features" in inferred_line

    # No label carries a category: the column adds the same few series as any column.
    with_user, without = found["declared"][1], found["without"][1]
    values = {v for _, labels in with_user for v in labels.values()}
    assert not any(v.startswith(("u", "v")) and v[1:].isdigit() for v in values)
    added = [s for s in with_user if s not in without]
    assert added and all(labels.get("column") == "user" for _, labels in added)
    assert len(added) < 20, added
    assert len(with_user) < 500
