"""reports/index.html: every monitor, failing first, escaped, linking only files on disk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from monitor.config import Config
from monitor.reports import ReportPublisher
from monitor.reports.index import INDEX_REPORTS
from monitor.reports.paths import report_name
from monitor.result import (
    ColumnResult,
    ColumnStatus,
    DatasetDrift,
    Role,
    RunResult,
    RunStatus,
)
from monitor.store import Store
from monitor.windows import TimeRange

END = datetime(2026, 3, 1, 12, tzinfo=UTC)
HOSTILE_COLUMN = '<b onmouseover="steal()">&amp; evil</b>'
HOSTILE_ERROR = "table <script>alert(1)</script> is missing"


class Page(HTMLParser):
    """Rows of the monitors table: their monitor, text and links; every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, object]] = []
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self._row: dict[str, object] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        a = dict(attrs)
        if tag == "tr" and "data-monitor" in a:
            self._row = {"monitor": a["data-monitor"], "text": "", "links": []}
            self.rows.append(self._row)
        if tag == "a" and self._row is not None:
            self._row["links"].append(a["href"])  # type: ignore[union-attr]

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._row is not None:
            self._row["text"] = str(self._row["text"]) + data


def column(name: str, drifted: bool, role: Role = Role.FEATURE) -> ColumnResult:
    return ColumnResult(
        column=name,
        role=role,
        feature_type="numerical",
        method="wasserstein",
        score_kind="distance",
        score=0.5 if drifted else 0.01,
        threshold=0.1,
        drifted=drifted,
        status=ColumnStatus.OK,
        rows_reference=100,
        rows_current=100,
        missing_reference=0,
        missing_current=0,
    )


def run(monitor: str, status: RunStatus, *, at: datetime = END, **kwargs: object) -> RunResult:
    return RunResult(
        monitor=monitor,
        status=status,
        window_end=at,
        current=TimeRange(at - timedelta(hours=1), at),
        reference=TimeRange(None, None),
        started_at=at,
        finished_at=at,
        **kwargs,  # type: ignore[arg-type]
    )


def monitors_config(tmp_path: Path, names: list[str]) -> Config:
    monitor = {
        "source_url": "sqlite:///unused.db",
        "table": "t",
        "timestamp_column": "ts",
        "current": {"last": "1h"},
        "reference": {"last": "1d"},
    }
    return Config.model_validate(
        {
            "service": {"reports_dir": str(tmp_path / "reports")},
            "monitors": [{"name": n, **monitor} for n in names],
        }
    )


def test_index_lists_every_monitor_failing_first_and_escapes_text(tmp_path: Path) -> None:
    names = ["alpha", "beta", "gamma", "delta", "epsilon"]
    cfg = monitors_config(tmp_path, names)
    store = Store.open(f"sqlite:///{tmp_path / 'results.db'}")
    drift = DatasetDrift(share=0.5, threshold=0.5, detected=True, drifted_columns=1, tested_columns=2)
    calm = DatasetDrift(share=0.0, threshold=0.5, detected=False, drifted_columns=0, tested_columns=2)
    store.save(run("alpha", RunStatus.OK, dataset_drift=calm, columns=(column("x", False),)))
    store.save(run("beta", RunStatus.ERROR, error=HOSTILE_ERROR))
    store.save(run("delta", RunStatus.INSUFFICIENT_DATA, error="too few rows"))
    gamma_columns = (
        column(HOSTILE_COLUMN, True),
        column("steady", False),
        column("pred", True, Role.PREDICTION),
    )
    for hours in reversed(range(INDEX_REPORTS + 2)):
        at = END - timedelta(hours=hours)
        store.save(run("gamma", RunStatus.OK, at=at, dataset_drift=drift if hours == 0 else calm, columns=gamma_columns))
        (tmp_path / "reports" / "gamma").mkdir(parents=True, exist_ok=True)
        (tmp_path / "reports" / "gamma" / report_name(at)).write_text("r")
    (tmp_path / "reports" / "gamma" / "latest.html").write_text("r")

    ReportPublisher(tmp_path / "reports", store, cfg.monitors, clock=lambda: END).rebuild_index()
    store.close()

    page = Page()
    page.feed((tmp_path / "reports" / "index.html").read_text())
    assert [r["monitor"] for r in page.rows] == ["beta", "delta", "gamma", "alpha", "epsilon"]
    text = {str(r["monitor"]): str(r["text"]) for r in page.rows}
    assert "error" in text["beta"] and HOSTILE_ERROR in text["beta"]
    assert "insufficient_data" in text["delta"]
    assert "drift" in text["gamma"] and "0.50 (1/2)" in text["gamma"]
    assert HOSTILE_COLUMN in text["gamma"] and "steady" not in text["gamma"]
    assert "also: pred" in text["gamma"]
    assert "ok" in text["alpha"] and "0.00 (0/2)" in text["alpha"]
    assert "no runs" in text["epsilon"] and "none yet" in text["epsilon"]
    # Escaped: the hostile text is text, never markup; and the page needs no JavaScript.
    assert not any(tag in ("script", "b") for tag, _ in page.tags)
    assert not any(k.startswith("on") for _, attrs in page.tags for k, _ in attrs)
    links = {str(r["monitor"]): r["links"] for r in page.rows}
    gamma_links = links["gamma"]
    assert isinstance(gamma_links, list)
    assert gamma_links[0] == "gamma/latest.html"
    assert gamma_links[1:] == [
        f"gamma/{report_name(END - timedelta(hours=h))}" for h in range(INDEX_REPORTS)
    ]
    for href in gamma_links:
        assert (tmp_path / "reports" / href).is_file()
    assert links["alpha"] == [] and links["beta"] == []


def test_report_error_shows_on_the_index(tmp_path: Path) -> None:
    cfg = monitors_config(tmp_path, ["alpha"])
    store = Store.open(f"sqlite:///{tmp_path / 'results.db'}")
    run_id = store.save(run("alpha", RunStatus.OK))
    store.record_report(run_id, path=None, error="report could not be written: disk full")
    ReportPublisher(tmp_path / "reports", store, cfg.monitors, clock=lambda: END).rebuild_index()
    store.close()
    page = Page()
    page.feed((tmp_path / "reports" / "index.html").read_text())
    assert "report not written: report could not be written: disk full" in str(page.rows[0]["text"])
