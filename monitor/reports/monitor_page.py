"""``reports/<monitor>/index.html``: a monitor's recent history and its reports.

Small inline SVG charts (no JavaScript) of the dataset drift share and of each
performance metric, realized and estimated, over the last :data:`CHART_WINDOWS`
windows, read from the results database; then links to the monitor's reports
found on disk. Every piece of text is escaped (names are user data).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from monitor.config.models import MonitorConfig
from monitor.reports.chart import ChartPoint, line_chart
from monitor.reports.paths import LATEST_NAME, monitor_dir
from monitor.reports.retention import list_reports
from monitor.store import Store
from monitor.store.history import HistoryPoint, Series, SeriesKind, read_history

CHART_WINDOWS = 30
PAGE_NAME = "index.html"

_e = html.escape


@dataclass(frozen=True)
class Chart:
    title: str
    points: Sequence[HistoryPoint]
    domain: tuple[float, float] | None
    lines: Sequence[float | None]


@dataclass(frozen=True)
class MonitorPage:
    monitor: str
    charts: Sequence[Chart]
    reports: Sequence[tuple[datetime, str]]
    """(window end, file name) of the reports on disk, newest first."""
    has_latest: bool


def _metric_names(monitor: MonitorConfig) -> tuple[list[str], list[str]]:
    realized = list(dict.fromkeys(c.metric.value for c in monitor.performance))
    estimated = list(dict.fromkeys(str(c.metric) for c in monitor.estimated))
    return realized, estimated


def _bounds(points: Sequence[HistoryPoint]) -> list[float | None]:
    """The newest window's bounds (they can move with a rolling reference)."""
    for p in reversed(points):
        if p.lower_bound is not None or p.upper_bound is not None:
            return [p.lower_bound, p.upper_bound]
    return []


def collect_page(root: Path, monitor: MonitorConfig, store: Store) -> MonitorPage:
    """What the page shows, read from the store and the monitor's reports folder."""
    name = monitor.name
    share = read_history(store, name, Series(SeriesKind.DATASET_DRIFT_SHARE), last=CHART_WINDOWS)
    threshold = next((p.threshold for p in reversed(share) if p.threshold is not None), None)
    charts = [Chart("dataset drift share", share, (0.0, 1.0), [threshold])]
    realized, estimated = _metric_names(monitor)
    for metric in realized:
        series = Series(SeriesKind.PERFORMANCE_METRIC, metric)
        points = read_history(store, name, series, last=CHART_WINDOWS)
        charts.append(Chart(metric, points, None, _bounds(points)))
    for metric in estimated:
        series = Series(SeriesKind.PERFORMANCE_ESTIMATED, metric)
        points = read_history(store, name, series, last=CHART_WINDOWS)
        charts.append(Chart(f"{metric} (estimated, CBPE)", points, None, _bounds(points)))
    folder = monitor_dir(root, name)
    reports = [(f.window_end, f.name) for f in list_reports(folder)]
    return MonitorPage(name, charts, reports, (folder / LATEST_NAME).is_file())


def _chart(chart: Chart) -> str:
    points = [
        ChartPoint(p.window_end.strftime("%Y-%m-%d %H:%M UTC"), p.value) for p in chart.points
    ]
    svg = line_chart(points, title=chart.title, domain=chart.domain, lines=chart.lines)
    newest = next((p for p in reversed(chart.points) if p.value is not None), None)
    latest = "–" if newest is None else f"{newest.value:.4g}"
    return (
        f'<figure class="chart" data-series="{_e(chart.title)}">{svg}'
        f"<figcaption>{_e(chart.title)}: latest {_e(latest)} "
        f"({len(chart.points)} window(s))</figcaption></figure>"
    )


def render_page(page: MonitorPage, generated_at: datetime) -> str:
    charts = "\n".join(_chart(c) for c in page.charts)
    links = []
    if page.has_latest:
        links.append(f'<li><a href="{LATEST_NAME}">latest</a></li>')
    links.extend(
        f'<li><a href="{_e(quote(file))}">{_e(end.strftime("%Y-%m-%d %H:%M"))}</a></li>'
        for end, file in page.reports
    )
    reports = f"<ul>{''.join(links)}</ul>" if links else "<p>No reports yet.</p>"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{_e(page.monitor)} · driftwarden</title>
<link rel="icon" href="data:,">
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:14px;
  color:#1d2330;margin:24px;}}
.charts{{display:flex;flex-wrap:wrap;gap:16px;}}
figure.chart{{margin:0;}}
figcaption{{font-size:12px;color:#5b6372;}}
</style>
</head>
<body>
<p><a href="../index.html">all monitors</a></p>
<h1>{_e(page.monitor)}</h1>
<h2>Last {CHART_WINDOWS} windows</h2>
<div class="charts">
{charts}
</div>
<h2>Reports (newest first)</h2>
{reports}
<p class="note">Updated {_e(generated_at.strftime("%Y-%m-%d %H:%M:%S UTC"))}.</p>
</body>
</html>
"""
