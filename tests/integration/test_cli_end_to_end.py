"""`driftwarden run` end to end on SQLite and PostgreSQL: JSON output and stored rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from scipy import stats

from monitor.cli import main
from tests.conftest import write_table
from tests.factories import CURRENT_END, prediction_logs, write_config


def run_json(
    config: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, dict[str, Any]]:
    code = main(
        [
            "run",
            "--config",
            str(config),
            "--at",
            CURRENT_END.isoformat(),
            "--format",
            "json",
            *extra,
        ]
    )
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 1
    return code, json.loads(lines[0])


def stored(
    store_url: str, run_id: int
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        run = (
            conn.execute(sa.text("SELECT * FROM runs WHERE id = :i"), {"i": run_id})
            .mappings()
            .one()
        )
        columns = (
            conn.execute(
                sa.text('SELECT * FROM column_results WHERE run_id = :i ORDER BY "column"'),
                {"i": run_id},
            )
            .mappings()
            .all()
        )
        metrics = (
            conn.execute(
                sa.text("SELECT * FROM metric_results WHERE run_id = :i ORDER BY metric"),
                {"i": run_id},
            )
            .mappings()
            .all()
        )
    engine.dispose()
    return dict(run), [dict(c) for c in columns], [dict(m) for m in metrics]


def check_end_to_end(
    source_url: str, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = prediction_logs(drift=True)
    write_table(source_url, "predictions", data)
    config = write_config(tmp_path / "config.toml", source_url, store_url)

    code, out = run_json(config, capsys)
    assert code == 0
    assert out["monitor"] == "churn"
    assert out["status"] == "ok"
    assert out["error"] is None
    assert out["windows"]["current"] == {
        "start": "2026-01-31T12:00:00+00:00",
        "end": "2026-02-01T12:00:00+00:00",
    }
    ts = pd.to_datetime(data["ts"]).dt.tz_localize("UTC")
    current = data[(ts >= "2026-01-31T12:00:00Z") & (ts < "2026-02-01T12:00:00Z")]
    reference = data[(ts >= "2026-01-01T00:00:00Z") & (ts < "2026-01-08T00:00:00Z")]
    assert out["rows"] == {"reference": len(reference), "current": len(current)}

    by_column = {c["column"]: c for c in out["columns"]}
    assert set(by_column) == {
        "age",
        "balance",
        "plan",
        "region",
        "churn_pred",
        "churn_proba",
        "churned",
    }
    assert {c["column"]: c["role"] for c in out["columns"]}["churn_proba"] == "score"
    # reference has more than 1000 rows: wasserstein for numerical columns, as Evidently picks.
    age = by_column["age"]
    assert age["method"] == "wasserstein"
    expected = stats.wasserstein_distance(reference["age"], current["age"]) / max(
        float(reference["age"].std(ddof=0)), 0.001
    )
    assert age["score"] == pytest.approx(expected, rel=1e-9)
    assert age["drifted"] is True
    assert by_column["balance"]["drifted"] is False
    drift = out["dataset_drift"]
    features = [c for c in out["columns"] if c["role"] == "feature"]
    drifted = [c for c in features if c["drifted"]]
    assert drift["share"] == pytest.approx(len(drifted) / len(features))
    assert drift["detected"] == (drift["share"] >= 0.5)

    metrics = {m["metric"]: m for m in out["metrics"]}
    assert metrics["accuracy"]["value"] == pytest.approx(
        float((current["churn_pred"] == current["churned"]).mean())
    )
    assert metrics["accuracy"]["status"] == "breached"

    run, columns, stored_metrics = stored(store_url, out["run_id"])
    assert run["status"] == "ok"
    assert run["rows_current"] == len(current)
    assert run["drift_share"] == pytest.approx(drift["share"])
    assert {c["column"]: c["score"] for c in columns} == pytest.approx(
        {c["column"]: c["score"] for c in out["columns"]}
    )
    assert {c["column"]: bool(c["drifted"]) for c in columns} == {
        c["column"]: c["drifted"] for c in out["columns"]
    }
    assert {m["metric"]: m["status"] for m in stored_metrics} == {
        m["metric"]: m["status"] for m in out["metrics"]
    }

    # Same tick again: the same window, the same numbers (a new history row).
    code, again = run_json(config, capsys)
    assert again["run_id"] != out["run_id"]
    for key in ("windows", "rows", "dataset_drift", "columns", "metrics"):
        assert again[key] == out[key]

    assert main(
        ["run", "--config", str(config), "--at", CURRENT_END.isoformat(), "--fail-on-drift"]
    ) == (1 if drift["detected"] else 0)


def test_end_to_end_sqlite(
    sqlite_url: str, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check_end_to_end(sqlite_url, store_url, tmp_path, capsys)


def test_end_to_end_postgres(
    postgres_url_factory: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    check_end_to_end(postgres_url_factory(), postgres_url_factory(), tmp_path, capsys)


def test_no_drift_on_same_distribution(
    sqlite_url: str, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_table(sqlite_url, "predictions", prediction_logs(drift=False))
    config = write_config(tmp_path / "config.toml", sqlite_url, store_url)
    code, out = run_json(config, capsys, "--fail-on-drift")
    assert code == 0
    assert out["dataset_drift"]["detected"] is False
    assert out["dataset_drift"]["share"] < 0.5


def test_missing_column_is_an_error_run(
    sqlite_url: str, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_table(sqlite_url, "predictions", prediction_logs(drift=False).drop(columns=["balance"]))
    config = write_config(tmp_path / "config.toml", sqlite_url, store_url)
    code, out = run_json(config, capsys)
    assert code == 3
    assert out["status"] == "error"
    assert "monitor 'churn'" in out["error"] and "['balance']" in out["error"]
    run, columns, _ = stored(store_url, out["run_id"])
    assert run["status"] == "error"
    assert run["error"] == out["error"]
    assert columns == []


def test_text_in_numerical_column_is_an_error_naming_it(
    sqlite_url: str, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = prediction_logs(drift=False)
    data["age"] = data["age"].astype(object)
    data.loc[data.index[-3:], "age"] = "unknown"
    write_table(sqlite_url, "predictions", data)
    config = write_config(tmp_path / "config.toml", sqlite_url, store_url)
    code, out = run_json(config, capsys)
    assert code == 3
    assert out["status"] == "error"
    assert "numerical column 'age'" in out["error"]
    assert "current window" in out["error"]


def test_empty_window_is_insufficient_data(
    sqlite_url: str, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = prediction_logs(drift=False)
    write_table(sqlite_url, "predictions", data.iloc[: len(data) // 2])
    config = write_config(tmp_path / "config.toml", sqlite_url, store_url)
    code, out = run_json(config, capsys)
    assert code == 0
    assert out["status"] == "insufficient_data"
    assert out["rows"]["current"] == 0
    assert "min_rows" in out["error"]
    run, _, _ = stored(store_url, out["run_id"])
    assert run["status"] == "insufficient_data"


def test_unreachable_source_records_error_and_keeps_going(
    tmp_path: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(
        tmp_path / "config.toml", "postgresql://u:hunter2@127.0.0.1:1/x", store_url
    )
    code, out = run_json(config, capsys)
    assert code == 3
    assert out["status"] == "error"
    assert "hunter2" not in out["error"]


def test_table_format_is_readable(
    sqlite_url: str, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_table(sqlite_url, "predictions", prediction_logs(drift=True))
    config = write_config(tmp_path / "config.toml", sqlite_url, store_url)
    assert main(["run", "--config", str(config), "--at", CURRENT_END.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "monitor churn" in out
    assert "status ok" in out
    assert "dataset drift" in out
    assert "age" in out and "wasserstein" in out


def test_unknown_monitor_is_a_usage_error(
    sqlite_url: str, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "config.toml", sqlite_url, store_url)
    assert main(["run", "--config", str(config), "--monitor", "nope"]) == 2
    assert "no monitor named 'nope'" in capsys.readouterr().err
