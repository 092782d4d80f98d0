"""``reports/index.html``: every monitor, its last status and its latest reports.

Plain HTML and CSS, no JavaScript; every piece of text is escaped (monitor and
column names are user data). Failing monitors come first, then drifting ones.
Links are built from the files on disk, so the page never links to a report
that retention removed.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from monitor.reports.paths import INDEX_NAME, LATEST_NAME, monitor_dir
from monitor.reports.retention import list_reports
from monitor.result import Role, RunResult, RunStatus
from monitor.store import Store

INDEX_REPORTS = 10
"""Reports linked per monitor, newest first."""

_e = html.escape


@dataclass(frozen=True)
class ReportLink:
    window_end: datetime
    href: str
    drift: bool | None
    """Whether that window's stored run detected dataset drift (None: unknown)."""


@dataclass(frozen=True)
class IndexEntry:
    monitor: str
    latest: RunResult | None
    reports: Sequence[ReportLink]
    latest_href: str | None
    page_href: str | None = None
    """The monitor's own page (history charts), when it exists."""

    @property
    def state(self) -> str:
        if self.latest is None:
            return "no runs"
        if self.latest.status is not RunStatus.OK:
            return self.latest.status.value
        drift = self.latest.dataset_drift
        return "drift" if drift is not None and drift.detected else "ok"

    @property
    def rank(self) -> int:
        order = {"error": 0, "insufficient_data": 1, "drift": 2, "ok": 3}
        return order.get(self.state, 4)


def collect(root: Path, monitors: Sequence[str], store: Store) -> list[IndexEntry]:
    """What the index shows, read from the store and the reports folder."""
    latest = store.latest(monitors)
    entries = []
    for name in monitors:
        folder = monitor_dir(root, name)
        files = list_reports(folder)[:INDEX_REPORTS]
        drift_by_window: dict[datetime, bool | None] = {}
        if files:
            for run in reversed(store.runs(name, limit=max(50, 3 * INDEX_REPORTS))):
                d = run.dataset_drift
                drift_by_window[run.window_end] = None if d is None else d.detected
        links = [
            ReportLink(f.window_end, f"{quote(name)}/{quote(f.name)}", drift_by_window.get(f.window_end))
            for f in files
        ]
        has_latest = (folder / LATEST_NAME).is_file()
        has_page = (folder / INDEX_NAME).is_file()
        entries.append(
            IndexEntry(
                monitor=name,
                latest=latest.get(name),
                reports=links,
                latest_href=f"{quote(name)}/{LATEST_NAME}" if has_latest else None,
                page_href=f"{quote(name)}/{INDEX_NAME}" if has_page else None,
            )
        )
    return entries


def render_index(entries: Sequence[IndexEntry], generated_at: datetime) -> str:
    ordered = sorted(entries, key=lambda e: (e.rank, e.monitor))
    rows = "\n".join(_row(e) for e in ordered)
    failing = sum(1 for e in entries if e.rank <= 1)
    drifting = sum(1 for e in entries if e.state == "drift")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>driftwarden reports</title>
<link rel="icon" href="data:,">
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:14px;
  color:#1d2330;margin:24px;}}
table{{border-collapse:collapse;}}
th,td{{border:1px solid #d8dce3;padding:4px 10px;text-align:left;vertical-align:top;}}
th{{background:#f6f7f9;}}
td.num{{text-align:right;font-variant-numeric:tabular-nums;}}
.state-error,.state-insufficient_data{{color:#b00020;font-weight:600;}}
.state-drift{{color:#a15c00;font-weight:600;}}
.state-ok{{color:#1b6e20;}}
ul{{margin:0;padding-left:18px;}}
.note{{color:#5b6372;font-size:12px;}}
</style>
</head>
<body>
<h1>driftwarden reports</h1>
<p>{len(entries)} monitor(s): {failing} failing, {drifting} with dataset drift.
Updated {_e(generated_at.strftime("%Y-%m-%d %H:%M:%S UTC"))}.</p>
<table id="monitors">
<thead><tr><th>monitor</th><th>last status</th><th>window end</th><th>dataset drift share</th>
<th>drifted columns</th><th>reports (newest first)</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</body>
</html>
"""


def _row(e: IndexEntry) -> str:
    r = e.latest
    state = f'<span class="state-{_e(e.state)}">{_e(e.state)}</span>'
    if r is not None and r.error:
        state += f'<div class="note">{_e(r.error)}</div>'
    if r is not None and r.report_error:
        state += f'<div class="note">report not written: {_e(r.report_error)}</div>'
    window = "–" if r is None else _e(r.window_end.strftime("%Y-%m-%d %H:%M UTC"))
    share = "–"
    drifted = "–"
    if r is not None and r.dataset_drift is not None:
        d = r.dataset_drift
        share = f"{d.share:.2f} ({d.drifted_columns}/{d.tested_columns})"
        columns = [c.column for c in r.columns if c.drifted and c.role is Role.FEATURE]
        others = [c.column for c in r.columns if c.drifted and c.role is not Role.FEATURE]
        drifted = _e(", ".join(columns)) or "none"
        if others:
            drifted += f'<div class="note">also: {_e(", ".join(others))}</div>'
    links = []
    if e.page_href is not None:
        links.append(f'<li><a href="{_e(e.page_href)}">history</a></li>')
    if e.latest_href is not None:
        links.append(f'<li><a href="{_e(e.latest_href)}">latest</a></li>')
    for link in e.reports:
        flag = "" if link.drift is None else (" · drift" if link.drift else " · ok")
        when = link.window_end.strftime("%Y-%m-%d %H:%M")
        links.append(f'<li><a href="{_e(link.href)}">{_e(when)}</a>{flag}</li>')
    reports = f"<ul>{''.join(links)}</ul>" if links else "none yet"
    return (
        f'<tr data-monitor="{_e(e.monitor)}"><td>{_e(e.monitor)}</td><td>{state}</td>'
        f'<td>{window}</td><td class="num">{share}</td><td>{drifted}</td><td>{reports}</td></tr>'
    )
