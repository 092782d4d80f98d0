"""index.html and a report in headless Chromium, served over HTTP from the reports folder.

The pages are served by the service's own HTTP app (``create_app`` of a daemon whose
config points at the test's reports folder), so what the browser loads is what
``driftwarden serve`` serves. Screenshots are kept under ``test-artifacts/reports/``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from monitor.result import ColumnStatus, Role
from monitor.service.daemon import Daemon
from monitor.service.http.app import create_app
from tests.browser import chromium
from tests.factories import CURRENT_END
from tests.reports.conftest import Make, Setup
from tests.reports.test_page import HOSTILE
from tests.servers import free_port

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"

DRIFT_TABLE_ROWS = """
Array.from(document.querySelectorAll('tr')).map(
    tr => Array.from(tr.cells).map(td => td.innerText.trim()))
"""


def service_app(setup: Setup) -> Any:
    """The service's FastAPI app over the setup's store and reports folder (not started:
    no schedule, only the HTTP routes)."""
    service = setup.config.service.model_copy(update={"reports_dir": str(setup.reports)})
    config = setup.config.model_copy(update={"service": service})
    daemon = Daemon(config, setup.store, runner=setup.runner, process_metrics=False)
    return create_app(daemon)


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(setup: Setup) -> str:
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(service_app(setup), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "the page server did not start"
            time.sleep(0.05)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}/reports/"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(10)


@pytest.mark.integration
@pytest.mark.slow
def test_index_and_report_render_without_errors(make_setup: Make, serve: Any) -> None:
    from monitor.reports.build import build_report

    s = make_setup(
        builder=build_report,
        drift=True,
        rename={"channel": HOSTILE},
        categorical=["plan", HOSTILE],
    )
    result = s.pipeline.run(s.monitor, CURRENT_END)
    stored = s.store.get_run(result.run_id or -1)
    assert stored is not None and stored.report_path is not None, stored
    base = serve(s)

    with chromium() as page:
        # The index needs no JavaScript.
        page.call("Emulation.setScriptExecutionDisabled", value=True)
        page.goto(base)
        assert page.evaluate("document.title") == "driftwarden reports"
        href = page.evaluate(
            'document.querySelector(\'tr[data-monitor="payments"] a[href$="Z.html"]\').href'
        )
        assert href == base + stored.report_path
        page.screenshot(ARTIFACTS / "index.png")
        page.call("Emulation.setScriptExecutionDisabled", value=False)

        page.goto(href)
        page.wait_for("document.body.innerText.includes('Data Drift Summary')")
        page.pump(1.0)
        rows = page.evaluate(DRIFT_TABLE_ROWS)
        page.screenshot(ARTIFACTS / "report.png")
        assert page.evaluate("typeof window.pwned") == "undefined"
        assert page.errors == []
        # Self-contained: Evidently's JavaScript and font are embedded, nothing is fetched
        # from elsewhere (the test machine has no internet; a CDN would fail here).
        assert [u for u in page.requests if not u.startswith((base, "data:"))] == []

    # Evidently's rendered drift table holds every tested feature with driftwarden's verdict.
    verdicts = {}
    for cells in rows:
        for word in ("Detected", "Not Detected"):
            if word in cells:
                names = [c for c in cells if c]
                verdicts[names[0]] = word == "Detected"
    features = {
        c.column: c.drifted
        for c in stored.columns
        if c.role is Role.FEATURE and c.status is ColumnStatus.OK
    }
    assert HOSTILE in features
    assert verdicts == features
    # driftwarden's header table is in the DOM too.
    header_columns = {cells[0] for cells in rows if len(cells) == 10 and cells[0] != "column"}
    assert header_columns == {c.column for c in stored.columns}
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


@pytest.mark.integration
@pytest.mark.slow
def test_monitor_page_charts_render_without_javascript_or_errors(
    make_setup: Make, serve: Any
) -> None:
    s = make_setup(estimated=[{"metric": "f1", "min": 0.5}])
    for hours in (4, 3, 2, 1, 0):
        s.pipeline.run(s.monitor, CURRENT_END - timedelta(hours=hours))
    base = serve(s)
    with chromium() as page:
        page.call("Emulation.setScriptExecutionDisabled", value=True)
        page.goto(base + "payments/index.html")
        assert page.evaluate("document.title") == "payments · driftwarden"
        charts = page.evaluate(
            "Array.from(document.querySelectorAll('figure.chart')).map(f => ["
            "f.dataset.series, f.querySelectorAll('circle.point').length, "
            "f.querySelector('svg').getBoundingClientRect().width])"
        )
        page.screenshot(ARTIFACTS / "monitor-page.png")
        assert page.errors == []
    assert [c[0] for c in charts] == [
        "dataset drift share",
        "accuracy",
        "roc_auc",
        "f1 (estimated, CBPE)",
    ]
    assert all(c[1] == 5 and c[2] > 100 for c in charts), charts
