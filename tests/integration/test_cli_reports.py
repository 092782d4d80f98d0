"""`driftwarden run` writes reports (not with --no-report); `driftwarden report` rebuilds one."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.reports.paths import report_name
from monitor.store import Store
from tests.conftest import write_table
from tests.factories import CURRENT_END, prediction_logs, write_config
from tests.reports.pages import read_page

NAME = report_name(CURRENT_END)


@pytest.mark.slow
def test_run_writes_a_report_and_report_rebuilds_it(
    sqlite_url: str, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_table(sqlite_url, "predictions", prediction_logs(drift=True))
    config = write_config(
        tmp_path / "config.toml",
        sqlite_url,
        store_url,
        service='public_url = "https://dw.example.com"',
    )
    at = CURRENT_END.isoformat()
    assert main(["run", "--config", str(config), "--at", at, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    report = tmp_path / "reports" / "churn" / NAME
    assert out["report"] == {"path": f"churn/{NAME}", "error": None}
    assert report.is_file() and (tmp_path / "reports" / "index.html").is_file()
    first = report.read_bytes()

    # Rebuild: the same window read again, attached to the stored run.
    assert main(["report", "--config", str(config), "--monitor", "churn", "--at", at]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [str(report), f"https://dw.example.com/reports/churn/{NAME}"]
    rebuilt = read_page(report.read_text())
    assert "Rebuilt on" in rebuilt.header_text
    assert "differs from this rebuild" not in rebuilt.header_text
    assert report.read_bytes() != first
    store = Store.open(store_url)
    try:
        (run,) = store.runs("churn")
        assert run.report_path == f"churn/{NAME}"
    finally:
        store.close()
    rows = {r["column"]: r for r in rebuilt.rows("dw-columns")}
    assert rows["age"]["drift"] == "drift"
    assert {r["same"] for r in rows.values() if r["same"] != "–"} == {"yes"}


def test_no_report_writes_none(
    sqlite_url: str, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_table(sqlite_url, "predictions", prediction_logs(drift=False))
    config = write_config(tmp_path / "config.toml", sqlite_url, store_url)
    argv = ["run", "--config", str(config), "--at", CURRENT_END.isoformat(), "--no-report"]
    assert main(argv) == 0
    assert "report" not in capsys.readouterr().out.split("\n")[-2]
    assert not (tmp_path / "reports").exists()


def test_report_of_a_failing_window_is_an_error(
    sqlite_url: str, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_table(sqlite_url, "predictions", prediction_logs(drift=False))
    config = write_config(tmp_path / "config.toml", sqlite_url, store_url)
    early = (CURRENT_END - timedelta(days=300)).isoformat()
    assert main(["report", "--config", str(config), "--monitor", "churn", "--at", early]) == 3
    assert "insufficient_data" in capsys.readouterr().err
    assert main(["report", "--config", str(config), "--monitor", "nope", "--at", early]) == 2
