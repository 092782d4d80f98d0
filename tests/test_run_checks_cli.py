"""End to end: ``driftwarden run --format json`` on a SQLite source, with the
hygiene options, data-quality and multivariate checks on, and the rows it stores."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from scipy import stats

from monitor.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from monitor.store import Store
from tests.conftest import write_table

AT = "2026-03-10T12:00:00Z"
END = datetime(2026, 3, 10, 12, tzinfo=UTC)
REFERENCE_ROWS, CURRENT_ROWS = 800, 300


def _window(rng: np.random.Generator, start: datetime, span: timedelta, rows: int) -> list[str]:
    offsets = np.sort(rng.uniform(0, span.total_seconds(), size=rows))
    return [(start + timedelta(seconds=float(s))).strftime("%Y-%m-%d %H:%M:%S") for s in offsets]


def _logs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """800 reference rows over the 2 days before the current 6 hours, 300 current rows:
    x1 shifted, x2 newly missing, a new 'vip' plan, x3 unchanged."""
    rng = np.random.default_rng(2026)
    ref_start = END - timedelta(hours=6) - timedelta(days=2)
    reference = pd.DataFrame(
        {
            "ts": _window(rng, ref_start, timedelta(days=2), REFERENCE_ROWS),
            "x1": rng.normal(0, 1, REFERENCE_ROWS),
            "x2": rng.normal(5, 2, REFERENCE_ROWS),
            "x3": rng.exponential(1, REFERENCE_ROWS),
            "plan": rng.choice(["basic", "plus", "pro"], REFERENCE_ROWS),
            "proba": rng.uniform(0, 1, REFERENCE_ROWS),
        }
    )
    current = pd.DataFrame(
        {
            "ts": _window(rng, END - timedelta(hours=6), timedelta(hours=6), CURRENT_ROWS),
            "x1": rng.normal(1.5, 1, CURRENT_ROWS),
            "x2": rng.normal(5, 2, CURRENT_ROWS),
            "x3": rng.exponential(1, CURRENT_ROWS),
            "plan": rng.choice(["basic", "plus", "pro", "vip"], CURRENT_ROWS),
            "proba": rng.uniform(0, 1, CURRENT_ROWS),
        }
    )
    current.loc[rng.random(CURRENT_ROWS) < 0.3, "x2"] = np.nan
    for frame in (reference, current):
        frame["pred"] = (frame["proba"] > 0.5).astype(int)
    return reference, current


def _config(
    tmp_path: Path, source: str, store: str, extra: str = "", categorical: str = '["plan"]'
) -> Path:
    """The test monitor; ``categorical = ""`` leaves the categorical features to inference."""
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[service]
store_url = "{store}"

[[monitors]]
name = "shop"
source_url = "{source}"
table = "events"
timestamp_column = "ts"
numerical = ["x1", "x2", "x3"]
{f"categorical = {categorical}" if categorical else ""}
prediction = "pred"
prediction_score = "proba"
task = "binary_classification"
schedule = "every 6h"
current = {{ last = "6h" }}
reference = {{ last = "2d" }}

[monitors.drift]
correction = "fdr_bh"
min_effect = 0.1
min_rows = 20

[monitors.quality]
min_rows = 100
max_rate_ratio = 2.0

[monitors.multivariate]
enabled = true
{extra}
"""
    )
    return path


def _run(config: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, Any]:
    code = main(["run", "--config", str(config), "--at", AT, *extra])
    out = capsys.readouterr().out
    return code, (json.loads(out) if "--format" in extra else out)


@pytest.fixture
def logs(sqlite_url: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    reference, current = _logs()
    write_table(sqlite_url, "events", pd.concat([reference, current], ignore_index=True))
    return reference, current


def test_json_output_and_stored_rows(
    tmp_path: Path,
    sqlite_url: str,
    store_url: str,
    logs: tuple[pd.DataFrame, pd.DataFrame],
    capsys: pytest.CaptureFixture[str],
) -> None:
    reference, current = logs
    code, out = _run(_config(tmp_path, sqlite_url, store_url), capsys, "--format", "json")
    assert code == EXIT_OK
    assert out["status"] == "ok"
    assert out["rows"] == {"reference": REFERENCE_ROWS, "current": CURRENT_ROWS}

    # -- drift: small reference -> p-value tests, adjusted together, guarded by effect size
    columns = {c["column"]: c for c in out["columns"]}
    assert {c: columns[c]["method"] for c in ("x1", "x3", "plan", "pred")} == {
        "x1": "ks",
        "x3": "ks",
        "plan": "chisquare",
        "pred": "z",
    }
    tested = [c for c in out["columns"] if c["status"] == "ok"]
    raw = np.array([c["score"] for c in tested])
    expected = stats.false_discovery_control(raw, method="bh")
    for column, adjusted in zip(tested, expected, strict=True):
        assert column["correction"] == "fdr_bh"
        assert column["p_value_adjusted"] == pytest.approx(adjusted, rel=1e-9)
    x1 = columns["x1"]
    ref_x1, cur_x1 = reference["x1"].to_numpy(), current["x1"].to_numpy()
    assert x1["score"] == pytest.approx(stats.ks_2samp(ref_x1, cur_x1).pvalue, rel=1e-9)
    assert x1["effect"]["method"] == "wasserstein"
    assert x1["effect"]["size"] == pytest.approx(
        stats.wasserstein_distance(ref_x1, cur_x1) / np.std(ref_x1), rel=1e-9
    )
    assert x1["drifted"] is True
    assert columns["x3"]["drifted"] is False
    assert columns["plan"]["effect"]["method"] == "jensenshannon"

    # -- quality, against the generated rows
    quality = {(q["check"], q["column"]): q for q in out["quality"]}
    assert quality[("row_count", None)] == {
        "check": "row_count",
        "column": None,
        "value": CURRENT_ROWS,
        "reference_value": None,
        "lower_bound": 100,
        "upper_bound": None,
        "status": "ok",
    }
    rate = quality[("row_rate", None)]
    assert rate["value"] == pytest.approx(CURRENT_ROWS / 6)
    assert rate["reference_value"] == pytest.approx(REFERENCE_ROWS / 48)
    assert rate["status"] == "breached"  # three times the reference rate, allowed two
    missing = quality[("missing_share", "x2")]
    assert missing["value"] == pytest.approx(current["x2"].isna().mean())
    assert missing["reference_value"] == 0.0 and missing["status"] == "breached"
    unseen = quality[("unseen_share", "plan")]
    assert unseen["value"] == pytest.approx((current["plan"] == "vip").mean())
    assert unseen["status"] == "breached"
    outside = quality[("out_of_range_share", "x1")]
    expected_outside = ((cur_x1 < ref_x1.min()) | (cur_x1 > ref_x1.max())).mean()
    assert outside["value"] == pytest.approx(expected_outside)
    assert quality[("out_of_range_share", "x3")]["status"] == "ok"
    checked = {column for _, column in quality if column is not None}
    assert checked == {"x1", "x2", "x3", "plan", "pred", "proba"}  # features, prediction, score

    # -- multivariate
    multivariate = {m["method"]: m for m in out["multivariate"]}
    assert set(multivariate) == {"pca_reconstruction", "domain_classifier"}
    for result in multivariate.values():
        assert result["status"] == "ok" and result["detected"] is True
        assert result["rows"] == {"reference": REFERENCE_ROWS, "current": CURRENT_ROWS}
        assert result["columns"] == 4
    assert multivariate["domain_classifier"]["upper_threshold"] == 0.55
    assert multivariate["domain_classifier"]["score"] > 0.7
    pca = multivariate["pca_reconstruction"]
    assert pca["score"] > pca["upper_threshold"] and pca["components"] >= 1

    # -- the store holds the same rows
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        stored_quality = conn.execute(
            sa.text(
                'SELECT "check", "column", value, reference_value, lower_bound, upper_bound, '
                "status FROM quality_results WHERE run_id = :r ORDER BY id"
            ),
            {"r": out["run_id"]},
        ).all()
        stored_multivariate = conn.execute(
            sa.text(
                "SELECT method, score, lower_threshold, upper_threshold, detected, status, "
                "rows_reference, rows_current, columns, components FROM multivariate_results "
                "WHERE run_id = :r ORDER BY id"
            ),
            {"r": out["run_id"]},
        ).all()
        stored_columns = conn.execute(
            sa.text(
                'SELECT "column", p_value_adjusted, correction, effect_method, effect_size, '
                "drifted FROM column_results WHERE run_id = :r ORDER BY id"
            ),
            {"r": out["run_id"]},
        ).all()
    engine.dispose()
    assert [tuple(r) for r in stored_quality] == [
        (
            q["check"],
            q["column"],
            q["value"],
            q["reference_value"],
            q["lower_bound"],
            q["upper_bound"],
            q["status"],
        )
        for q in out["quality"]
    ]
    assert [tuple(r) for r in stored_multivariate] == [
        (
            m["method"],
            m["score"],
            m["lower_threshold"],
            m["upper_threshold"],
            m["detected"],
            m["status"],
            m["rows"]["reference"],
            m["rows"]["current"],
            m["columns"],
            m["components"],
        )
        for m in out["multivariate"]
    ]
    assert [tuple(r) for r in stored_columns] == [
        (
            c["column"],
            c["p_value_adjusted"],
            c["correction"],
            c["effect"] and c["effect"]["method"],
            c["effect"] and c["effect"]["size"],
            c["drifted"],
        )
        for c in out["columns"]
    ]
    store = Store.open(store_url)
    try:
        loaded = store.get_run(out["run_id"])
    finally:
        store.close()
    assert loaded is not None
    again = loaded.to_json()
    for key in ("columns", "quality", "multivariate", "dataset_drift", "status"):
        assert again[key] == out[key]


def test_table_output_shows_the_new_checks(
    tmp_path: Path,
    sqlite_url: str,
    store_url: str,
    logs: tuple[pd.DataFrame, pd.DataFrame],
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, text = _run(
        _config(tmp_path, sqlite_url, store_url, 'methods = ["pca_reconstruction"]'), capsys
    )
    assert code == EXIT_OK
    lines = text.splitlines()
    assert any(
        line.split()[:3] == ["quality", "plan", "unseen_share"] and line.endswith("BREACHED")
        for line in lines
    )
    assert any(line.split()[:2] == ["multivariate", "pca_reconstruction"] for line in lines)
    assert not any("domain_classifier" in line for line in lines)
    header = next(line for line in lines if line.split()[:1] == ["column"])
    assert "adjusted" in header and "effect" in header


def test_an_empty_window_still_reports_its_row_count(
    tmp_path: Path,
    sqlite_url: str,
    store_url: str,
    logs: tuple[pd.DataFrame, pd.DataFrame],
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = _config(tmp_path, sqlite_url, store_url)
    code = main(
        ["run", "--config", str(config), "--at", "2026-03-11T12:00:00Z", "--format", "json"]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK
    assert out["status"] == "insufficient_data"
    assert [(q["check"], q["value"], q["status"]) for q in out["quality"]] == [
        ("row_count", 0, "breached"),
        ("row_rate", 0.0, "breached"),
    ]
    assert out["multivariate"] == [] and out["columns"] == []


def test_unknown_multivariate_columns_are_a_config_error_when_features_are_listed(
    tmp_path: Path, sqlite_url: str, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, sqlite_url, store_url, 'columns = ["x1", "nope"]')
    assert main(["run", "--config", str(config), "--at", AT]) == EXIT_USAGE
    assert (
        "monitor 'shop': field 'multivariate.columns': ['nope'] are not listed under "
        "'numerical' or 'categorical'"
    ) in capsys.readouterr().err


def test_a_failing_check_is_a_recorded_error_naming_monitor_and_column(
    tmp_path: Path,
    sqlite_url: str,
    store_url: str,
    logs: tuple[pd.DataFrame, pd.DataFrame],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # features partly inferred: the names can only be checked once the table is read
    config = _config(tmp_path, sqlite_url, store_url, 'columns = ["x1", "nope"]', categorical="")
    code, out = _run(config, capsys, "--format", "json")
    assert code == EXIT_FAILED
    assert out["status"] == "error"
    assert out["error"] == (
        "monitor 'shop': multivariate.columns ['nope'] are not feature columns of the monitor; "
        "its feature columns are ['plan', 'x1', 'x2', 'x3']"
    )
    store = Store.open(store_url)
    try:
        stored = store.get_run(out["run_id"])
    finally:
        store.close()
    assert stored is not None and stored.error == out["error"]
