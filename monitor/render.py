"""Plain-text summaries of run results for the terminal."""

from __future__ import annotations

from monitor.result import RunResult, RunStatus


def _fmt(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}g}"


def summary_table(result: RunResult) -> str:
    lines = [
        f"monitor {result.monitor}  run {result.run_id}  status {result.status.value}",
        f"  current   {result.current.describe()}  rows {result.rows_current}",
        f"  reference {result.reference.describe()}  rows {result.rows_reference}",
    ]
    if result.error:
        lines.append(f"  error: {result.error}")
    if result.status is not RunStatus.OK:
        return "\n".join(lines)
    drift = result.dataset_drift
    if drift is not None:
        verdict = "DETECTED" if drift.detected else "not detected"
        lines.append(
            f"  dataset drift {verdict}: {drift.drifted_columns}/{drift.tested_columns} columns "
            f"(share {drift.share:.2f}, threshold {drift.threshold:.2f})"
        )
    if result.columns:
        width = max(len(c.column) for c in result.columns)
        header = f"{'type':<11}  {'method':<13}  {'score':>10}  {'threshold':>9}  drift"
        lines.append(f"  {'column':<{width}}  {header}")
        for c in result.columns:
            drifted = "-" if c.drifted is None else ("YES" if c.drifted else "no")
            if c.status.value != "ok":
                drifted = c.status.value
            lines.append(
                f"  {c.column:<{width}}  {c.feature_type:<11}  {c.method or '-':<13}  "
                f"{_fmt(c.score):>10}  {_fmt(c.threshold):>9}  {drifted}"
            )
    for m in result.metrics:
        bounds = f"[{_fmt(m.lower_bound)}, {_fmt(m.upper_bound)}]"
        lines.append(
            f"  metric {m.metric:<9} {_fmt(m.value):>8}  reference {_fmt(m.reference_value):>8}  "
            f"bounds {bounds}  {m.status.value}"
        )
    return "\n".join(lines)
