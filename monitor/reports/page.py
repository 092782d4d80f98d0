"""The report page: driftwarden's header block on top of Evidently's page.

The header is plain HTML (readable without JavaScript) stating what the alerts
and gauges use: driftwarden's verdicts on every row, with Evidently's score and
verdict for each column next to them, and — when the windows were sampled —
that Evidently's panels below are computed on a sample.

Evidently writes its data as a JSON literal inside a ``<script>`` element without
escaping ``</``, so a column named ``</script>...`` would end the element early
and inject markup. :func:`compose` escapes that block before the page is written.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from monitor.reports.agreement import ColumnAgreement
from monitor.reports.sampling import SAMPLE_SEED, Sample
from monitor.result import (
    ColumnStatus,
    MetricResult,
    MultivariateResult,
    QualityResult,
    RunResult,
    RunStatus,
)
from monitor.windows import TimeRange


class PageLayoutError(RuntimeError):
    """Evidently's HTML does not have the layout this module edits."""


@dataclass(frozen=True)
class Header:
    result: RunResult
    reference: Sample
    current: Sample
    agreement: Sequence[ColumnAgreement]
    left_out: Sequence[tuple[str, str]]
    notes: Sequence[str]
    generated_at: datetime


_e = html.escape


def _number(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}g}"


def _when(value: datetime | None) -> str:
    return "–" if value is None else value.strftime("%Y-%m-%d %H:%M:%S UTC")


NO_ICON = '<link rel="icon" href="data:,">\n'
"""An empty icon, so browsers do not request /favicon.ico next to the report."""

STYLE = """
<style>
.dw-header{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:14px;
  color:#1d2330;background:#f6f7f9;border-bottom:1px solid #d8dce3;padding:16px 24px;}
.dw-header h1{font-size:20px;margin:0 0 4px 0;}
.dw-header p{margin:4px 0;}
.dw-header table{border-collapse:collapse;margin:8px 0;background:#fff;}
.dw-header th,.dw-header td{border:1px solid #d8dce3;padding:3px 8px;text-align:left;}
.dw-header td.num{text-align:right;font-variant-numeric:tabular-nums;}
.dw-header .dw-drift{color:#b00020;font-weight:600;}
.dw-header .dw-ok{color:#1b6e20;}
.dw-header .dw-note{background:#fff8e1;border:1px solid #f0d58c;padding:6px 10px;}
.dw-header .dw-why{font-size:12px;color:#5b6372;}
.dw-header .dw-bad{background:#fdecea;border:1px solid #f5b5ae;padding:6px 10px;}
</style>
"""


def render_header(h: Header) -> str:
    r = h.result
    sampled = h.reference.sampled or h.current.sampled
    parts = [
        '<section class="dw-header" id="driftwarden-header">',
        f"<h1>{_e(r.monitor)} — window ending {_e(_when(r.window_end))}</h1>",
        f"<p>Current window {_e(_range(r.current))}, {_rows(h.current)}; "
        f"reference {_e(_range(r.reference))}, {_rows(h.reference)}.</p>",
        f"<p>Run {_e(str(r.run_id) if r.run_id is not None else '(not stored)')}, "
        f"status <strong>{_e(r.status.value)}</strong>; report generated "
        f"{_e(_when(h.generated_at))}. "
        '<a href="../index.html">All monitors</a></p>',
    ]
    parts.append(_dataset_line(r))
    parts.append(_sample_note(h, sampled))
    disagree = [a.column for a in h.agreement if not a.agrees]
    if disagree and not sampled:
        parts.append(
            '<p class="dw-bad">Evidently\'s result below differs from driftwarden\'s for: '
            f"{_e(', '.join(disagree))}. The table here is what gauges and alerts use.</p>"
        )
    if any(a.hygiene for a in h.agreement):
        parts.append(
            '<p class="dw-note">Some verdicts below differ from their test alone because of '
            "the monitor's alert hygiene (multiple-testing correction or effect-size guard). "
            "Evidently applies each test alone, so its verdicts, and its dataset drift share, "
            "follow the test: compare them with \"test alone\".</p>"
        )
    parts.extend(f'<p class="dw-note">{_e(note)}</p>' for note in h.notes)
    parts.append(_columns_table(h, sampled))
    if h.left_out:
        items = "".join(f"<li>{_e(c)}: {_e(reason)}</li>" for c, reason in h.left_out)
        parts.append(f"<p>Not in Evidently's drift panels:</p><ul>{items}</ul>")
    if r.metrics:
        parts.append(_metrics_table(r.metrics))
    if r.estimated:
        parts.append(
            _metrics_table(
                r.estimated,
                "dw-estimated",
                "Performance estimated without labels (driftwarden, CBPE; reference: realized)",
            )
        )
    if r.quality:
        parts.append(_quality_table(r.quality))
    if r.multivariate:
        parts.append(_multivariate_table(r.multivariate))
    parts.append("</section>")
    return "\n".join(parts)


def _range(window: TimeRange) -> str:
    if window.start is None and window.end is None:
        return "(the whole reference table or query)"
    return window.describe()


def _rows(sample: Sample) -> str:
    return f"{sample.rows_total:,} rows"


def _dataset_line(r: RunResult) -> str:
    d = r.dataset_drift
    if r.status is not RunStatus.OK or d is None:
        return f'<p class="dw-bad">{_e(r.error or "no drift result")}</p>'
    verdict = (
        '<span class="dw-drift">dataset drift detected</span>'
        if d.detected
        else '<span class="dw-ok">no dataset drift</span>'
    )
    drifted = ", ".join(c.column for c in r.columns if c.drifted and c.role.value == "feature")
    return (
        f"<p>{verdict}: {d.drifted_columns} of {d.tested_columns} features drifted "
        f"(share {d.share:.3f}, threshold {d.threshold:.3f})"
        + (f": {_e(drifted)}" if drifted else "")
        + ".</p>"
    )


def _sample_note(h: Header, sampled: bool) -> str:
    if not sampled:
        return (
            "<p>Evidently's panels below are computed on all rows, with the same test and "
            "threshold per column as driftwarden; its score and verdict for each column are "
            "shown next to driftwarden's.</p>"
        )
    return (
        '<p class="dw-note"><strong>Evidently\'s panels below are computed on a sample</strong>: '
        f"{h.reference.rows_kept:,} of {h.reference.rows_total:,} reference rows and "
        f"{h.current.rows_kept:,} of {h.current.rows_total:,} current rows, drawn uniformly "
        f"without replacement (seed {SAMPLE_SEED}). Their scores can differ from the ones in "
        "this table, which driftwarden computed on every row and which the gauges and alerts "
        "use.</p>"
    )


def _columns_table(h: Header, sampled: bool) -> str:
    theirs = {a.column: a for a in h.agreement}
    label = "Evidently (sample)" if sampled else "Evidently"
    head = (
        "<tr><th>column</th><th>role</th><th>type</th><th>test</th>"
        "<th>score</th><th>threshold</th><th>drift</th>"
        f"<th>{label} score</th><th>{label} drift</th><th>same</th></tr>"
    )
    rows = []
    for c in h.result.columns:
        a = theirs.get(c.column)
        if c.status is not ColumnStatus.OK:
            verdict = _e(c.status.value)
        elif c.drifted:
            verdict = '<span class="dw-drift">drift</span>'
        else:
            verdict = '<span class="dw-ok">no</span>'
        if a is not None and a.hygiene is not None:
            alone = "drift" if a.test_drifted else "no"
            verdict += f'<div class="dw-why">test alone: {alone}; {_e(a.hygiene)}</div>'

        their_score = _number(a.evidently_score if a else None, 6)
        if a is None or a.evidently_drifted is None:
            their_verdict, same = "–", "–"
        else:
            their_verdict = "drift" if a.evidently_drifted else "no"
            same = "yes" if a.agrees else ("differs on the sample" if sampled else "NO")
        rows.append(
            f"<tr><td>{_e(c.column)}</td><td>{_e(c.role.value)}</td>"
            f"<td>{_e(c.feature_type)}</td><td>{_e(c.method or '–')}</td>"
            f'<td class="num">{_number(c.score, 6)}</td>'
            f'<td class="num">{_number(c.threshold)}</td><td>{verdict}</td>'
            f'<td class="num">{their_score}</td><td>{their_verdict}</td><td>{same}</td></tr>'
        )
    return (
        '<table class="dw-columns"><caption>Drift per column (driftwarden, all rows)</caption>'
        + head
        + "".join(rows)
        + "</table>"
    )


def _metrics_table(
    metrics: Sequence[MetricResult],
    css: str = "dw-metrics",
    caption: str = "Performance checks (driftwarden, all labelled rows)",
) -> str:
    rows = "".join(
        f"<tr><td>{_e(m.metric)}</td><td class='num'>{_number(m.value)}</td>"
        f"<td class='num'>{_number(m.reference_value)}</td>"
        f"<td class='num'>{_number(m.lower_bound)}</td>"
        f"<td class='num'>{_number(m.upper_bound)}</td>"
        f"<td>{_e(m.status.value)}</td><td class='num'>{m.rows:,}</td></tr>"
        for m in metrics
    )
    return (
        f'<table class="{css}"><caption>{_e(caption)}'
        "</caption><tr><th>metric</th><th>value</th><th>reference</th><th>min</th>"
        f"<th>max</th><th>status</th><th>rows</th></tr>{rows}</table>"
    )


def _quality_table(quality: Sequence[QualityResult]) -> str:
    rows = "".join(
        f"<tr><td>{_e(q.check.value)}</td><td>{_e(q.column or '–')}</td>"
        f"<td class='num'>{_number(q.value)}</td><td class='num'>{_number(q.reference_value)}</td>"
        f"<td class='num'>{_number(q.lower_bound)}</td><td class='num'>{_number(q.upper_bound)}</td>"
        f"<td>{_e(q.status.value)}</td></tr>"
        for q in quality
    )
    return (
        '<table class="dw-quality"><caption>Data quality (driftwarden, all rows)</caption>'
        "<tr><th>check</th><th>column</th><th>value</th><th>reference</th><th>min</th>"
        f"<th>max</th><th>status</th></tr>{rows}</table>"
    )


def _multivariate_table(results: Sequence[MultivariateResult]) -> str:
    rows = "".join(
        f"<tr><td>{_e(m.method)}</td><td class='num'>{_number(m.score)}</td>"
        f"<td class='num'>{_number(m.lower_threshold)}</td>"
        f"<td class='num'>{_number(m.upper_threshold)}</td>"
        f"<td>{'–' if m.detected is None else ('drift' if m.detected else 'no')}</td>"
        f"<td>{_e(m.message or m.status.value)}</td></tr>"
        for m in results
    )
    return (
        '<table class="dw-multivariate"><caption>Multivariate drift (driftwarden; not in '
        "Evidently's panels)</caption><tr><th>method</th><th>score</th><th>lower</th>"
        f"<th>upper</th><th>drift</th><th>status</th></tr>{rows}</table>"
    )


_DASHBOARD_CALL = re.compile(r"window\.drawDashboard\((metric_[0-9a-f]+),")


def compose(evidently_html: str, header: str, title: str) -> str:
    """Evidently's page with its data block escaped, a title, and ``header`` on top."""
    calls = _DASHBOARD_CALL.findall(evidently_html[-4000:])
    if len(calls) != 1:
        raise PageLayoutError("Evidently's page has no single drawDashboard call")
    dashboard = calls[0]
    start_marker = f"var {dashboard} = "
    end_marker = f'</script>\n    </head>\n    <body>\n    <div id="root_{dashboard}">'
    start = evidently_html.find(start_marker)
    end = evidently_html.find(end_marker)
    if start < 0 or end < start:
        raise PageLayoutError("Evidently's page has no data block where expected")
    data = evidently_html[start:end].replace("</", "<\\/").replace("<!--", "<\\!--")
    head = evidently_html[:start]
    charset = '<meta charset="UTF-8">'
    if charset not in head:
        raise PageLayoutError("Evidently's page declares no charset")
    head = head.replace(charset, f"{charset}\n<title>{_e(title)}</title>\n{NO_ICON}{STYLE}", 1)
    body_at = len("</script>\n    </head>\n    <body>\n")
    tail = evidently_html[end:]
    return head + data + tail[:body_at] + header + "\n" + tail[body_at:]
