"""`driftwarden run` and `check-config` with a monitor in aggregate mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.cli import EXIT_OK, main
from monitor.store import Store
from tests.aggregate.data import logs
from tests.conftest import write_table

CONFIG = """
[service]
store_url = "{store}"
reports_dir = "{reports}"

[[monitors]]
name = "agg"
source_url = "{source}"
table = "logs"
timestamp_column = "ts"
numerical = ["income", "age", "visits"]
categorical = ["plan", "region", "segment"]
prediction = "pred"
prediction_score = "score"
target = "label"
task = "binary_classification"
mode = "aggregate"
schedule = "every 1d"
current = {{ last = "1d" }}
reference = {{ start = "2026-03-01", end = "2026-03-08" }}

[monitors.aggregate]
quantile_bins = 50

[[monitors.performance]]
metric = "accuracy"
min = 0.6
"""


@pytest.fixture
def config(tmp_path: Path, sqlite_url: str, store_url: str) -> Path:
    write_table(sqlite_url, "logs", logs(reference_rows=3000, current_rows=5000, shift=0.2))
    path = tmp_path / "config.toml"
    reports = tmp_path / "reports"
    path.write_text(CONFIG.format(store=store_url, reports=reports, source=sqlite_url))
    return path


def test_run_stores_an_aggregate_run_without_a_report(
    config: Path, tmp_path: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    at = "2026-03-20T00:00:00Z"
    code = main(["run", "--config", str(config), "--at", at, "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK
    assert out["status"] == "ok"
    assert out["rows"] == {"reference": 3000, "current": 5000}
    methods = {c["column"]: c["method"] for c in out["columns"]}
    assert methods["income"] == "wasserstein" and methods["plan"] == "jensenshannon"
    assert [m["metric"] for m in out["metrics"]] == ["accuracy"]
    assert not list((tmp_path / "reports").glob("agg/*.html"))
    store = Store.open(store_url)
    try:
        (stored,) = store.runs("agg")
    finally:
        store.close()
    assert {c.column: c.score for c in stored.columns} == {
        c["column"]: c["score"] for c in out["columns"]
    }


def test_check_config_shows_the_mode(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-config", str(config)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "mode: aggregate (counted in the database; 50 quantile bins" in out
    assert "report: none in aggregate mode" in out
