"""``reports/<monitor>/index.html``: history charts of the stored results and the reports."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

from monitor.reports.monitor_page import CHART_WINDOWS, collect_page, render_page
from monitor.result import RunStatus
from monitor.store import Store
from tests.factories import CURRENT_END
from tests.reports.conftest import Make
from tests.reports.data import config, monitor_dict
from tests.store.test_history import with_values

NS = "{http://www.w3.org/2000/svg}"


def charts(page: str) -> dict[str, list[float]]:
    """Each figure's series name and the values of its points, from the page's SVG."""
    out = {}
    for name, svg in re.findall(
        r'<figure class="chart" data-series="([^"]*)">(<svg.*?</svg>)', page
    ):
        root = ET.fromstring(svg)
        out[name] = [
            float(c.get("data-value", "nan"))
            for c in root.iter(NS + "circle")
            if c.get("class") == "point"
        ]
    return out


def test_the_page_charts_the_stored_runs_after_each_run(make_setup: Make) -> None:
    s = make_setup(estimated=[{"metric": "f1", "min": 0.5}, {"metric": "roc_auc"}])
    ends = [CURRENT_END - timedelta(hours=h) for h in (3, 2, 1, 0)]
    for end in ends:
        assert s.pipeline.run(s.monitor, end).status.value == "ok"
    page = (s.reports / "payments" / "index.html").read_text()
    found = charts(page)
    assert list(found) == [
        "dataset drift share",
        "accuracy",
        "roc_auc",
        "f1 (estimated, CBPE)",
        "roc_auc (estimated, CBPE)",
    ]
    runs = sorted(s.store.runs("payments"), key=lambda r: r.window_end)
    assert found["dataset drift share"] == [
        r.dataset_drift.share for r in runs if r.dataset_drift is not None
    ]
    assert found["accuracy"] == [r.metrics[0].value for r in runs]
    assert found["f1 (estimated, CBPE)"] == [r.estimated[0].value for r in runs]
    assert len(found["roc_auc (estimated, CBPE)"]) == 4
    # the reports are listed and the top index links the page
    for end in ends:
        assert end.strftime("%Y%m%dT%H%M%SZ.html") in page
    assert 'href="payments/index.html"' in (s.reports / "index.html").read_text()


def test_the_charts_hold_the_last_30_windows_with_gaps(tmp_path: Path) -> None:
    cfg = config(tmp_path, "sqlite://", monitor_dict("sqlite://", name="m"))
    store = Store.open(cfg.service.store_url)
    try:
        for h in range(35):
            status = RunStatus.ERROR if h == 33 else RunStatus.OK
            store.save(with_values(h, share=h / 100, f1=0.8, estimate=0.7, status=status))
        page = render_page(collect_page(tmp_path / "reports", cfg.monitors[0], store), CURRENT_END)
    finally:
        store.close()
    found = charts(page)
    shares = found["dataset drift share"]
    assert len(shares) == CHART_WINDOWS - 1  # window 33 failed: a gap, not a point
    assert shares[0] == 5 / 100 and shares[-1] == 34 / 100
    assert page.count('class="gap"') == 1
    assert page.count("no values yet") == 2  # accuracy and roc_auc: no such rows stored
    assert "No reports yet." in page
