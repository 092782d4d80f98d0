"""The report page: driftwarden's header over Evidently's panels, and user text kept inert."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from monitor.reports.build import build_report
from monitor.reports.sampling import sample_data
from monitor.result import ColumnStatus
from monitor.runner import Runner
from tests.factories import CURRENT_END
from tests.reports.conftest import NOW
from tests.reports.data import config, logs, monitor_dict, only, source
from tests.reports.pages import read_page

HOSTILE = "</script><script>window.pwned=1</script><!--"


def build(tmp_path: Path, frame: pd.DataFrame, **monitor: object) -> tuple[object, object]:
    url = source(tmp_path, frame, f"source-{len(list(tmp_path.iterdir()))}.db")
    cfg = config(tmp_path, url, monitor_dict(url, **monitor))
    m = only(cfg)
    runner = Runner()
    try:
        result, data = runner.run_with_data(m, CURRENT_END)
    finally:
        runner.engines.dispose()
    assert data is not None
    built = build_report(
        m,
        result,
        sample_data(data, m.report.sample_rows),
        registry=runner.registry,
        generated_at=NOW,
    )
    return result, built


@pytest.mark.slow
def test_header_states_driftwarden_verdicts_next_to_evidentlys(tmp_path: Path) -> None:
    result, built = build(
        tmp_path,
        logs(reference_rows=800, current_rows=400, drift=True),
        estimated=[{"metric": "f1", "min": 0.3}],
    )
    page = read_page(built.html.decode())  # type: ignore[attr-defined]
    assert page.title == "payments 20260201T120000Z · driftwarden"
    assert "dataset drift detected" in page.header_text
    assert "computed on all rows" in page.header_text
    rows = {r["column"]: r for r in page.rows("dw-columns")}
    tested = [c for c in result.columns if c.status is ColumnStatus.OK]  # type: ignore[attr-defined]
    assert set(rows) == {c.column for c in result.columns}  # type: ignore[attr-defined]
    for c in tested:
        row = rows[c.column]
        assert row["role"] == c.role.value and row["test"] == c.method
        assert float(row["score"]) == pytest.approx(c.score, rel=1e-5)
        assert row["drift"] == ("drift" if c.drifted else "no")
        assert row["Evidently drift"] == row["drift"]
        assert float(row["Evidently score"]) == pytest.approx(c.score, rel=1e-5)
        assert row["same"] == "yes"
    metrics = {r["metric"]: r for r in page.rows("dw-metrics")}
    assert set(metrics) == {"accuracy", "roc_auc"}
    (estimate,) = result.estimated  # type: ignore[attr-defined]
    (row,) = page.rows("dw-estimated")
    assert row["metric"] == "f1" and row["status"] == estimate.status.value
    assert float(row["value"]) == pytest.approx(estimate.value, abs=1e-4)
    assert float(row["min"]) == 0.3
    # Evidently's numerical column under chisquare is shown as categorical, and said so.
    assert "so calls, flag appear(s) below as categorical" in page.header_text


@pytest.mark.slow
def test_hostile_column_name_stays_text(tmp_path: Path) -> None:
    frame = logs(reference_rows=800, current_rows=400, drift=False).rename(
        columns={"channel": HOSTILE}
    )
    _, built = build(tmp_path, frame, categorical=["plan", HOSTILE])
    html = built.html.decode()  # type: ignore[attr-defined]
    page = read_page(html)
    # Evidently's page has four script elements: its data, a global, its library, the call.
    assert len(page.scripts) == 4
    assert not any(s.strip() == "window.pwned=1" for s in page.scripts)
    assert HOSTILE in page.header_text
    assert HOSTILE in {r["column"] for r in page.rows("dw-columns")}
    # The name still reaches Evidently's data intact (as a JavaScript string).
    assert HOSTILE.replace("</", "<\\/").replace("<!--", "<\\!--") in page.scripts[0]
