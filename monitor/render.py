"""Plain-text summaries of run results for the terminal."""

from __future__ import annotations

from monitor.result import CheckStatus, ColumnResult, RunResult, RunStatus


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
        lines += _quality_lines(result)
        return "\n".join(lines)
    drift = result.dataset_drift
    if drift is not None:
        verdict = "DETECTED" if drift.detected else "not detected"
        lines.append(
            f"  dataset drift {verdict}: {drift.drifted_columns}/{drift.tested_columns} columns "
            f"(share {drift.share:.2f}, threshold {drift.threshold:.2f})"
        )
    if result.columns:
        lines += _column_lines(result.columns)
    lines += _quality_lines(result)
    lines += _multivariate_lines(result)
    for label, metrics in (("metric", result.metrics), ("estimated", result.estimated)):
        for m in metrics:
            bounds = f"[{_fmt(m.lower_bound)}, {_fmt(m.upper_bound)}]"
            lines.append(
                f"  {label} {m.metric:<9} {_fmt(m.value):>8}  reference "
                f"{_fmt(m.reference_value):>8}  bounds {bounds}  {m.status.value}"
            )
    return "\n".join(lines)


def _column_lines(columns: tuple[ColumnResult, ...]) -> list[str]:
    """The drift table; the adjusted p-value and effect columns only when used."""
    adjusted = any(c.p_value_adjusted is not None for c in columns)
    effect = any(c.effect_method is not None for c in columns)
    width = max(len(c.column) for c in columns)
    header = f"{'type':<11}  {'method':<13}  {'score':>10}  {'threshold':>9}"
    if adjusted:
        header += f"  {'adjusted':>10}"
    if effect:
        header += f"  {'effect':>22}"
    lines = [f"  {'column':<{width}}  {header}  drift"]
    for c in columns:
        drifted = "-" if c.drifted is None else ("YES" if c.drifted else "no")
        if c.status.value != "ok":
            drifted = c.status.value
        line = (
            f"  {c.column:<{width}}  {c.feature_type:<11}  {c.method or '-':<13}  "
            f"{_fmt(c.score):>10}  {_fmt(c.threshold):>9}"
        )
        if adjusted:
            line += f"  {_fmt(c.p_value_adjusted):>10}"
        if effect:
            shown = "-"
            if c.effect_method is not None:
                shown = f"{c.effect_method} {_fmt(c.effect_size, 3)}>={_fmt(c.effect_threshold, 3)}"
            line += f"  {shown:>22}"
        lines.append(f"{line}  {drifted}")
    return lines


def _quality_lines(result: RunResult) -> list[str]:
    if not result.quality:
        return []
    width = max(len(q.column or "(window)") for q in result.quality)
    lines = [
        f"  quality {'column':<{width}}  {'check':<18}  {'value':>10}  {'reference':>10}  "
        f"{'bounds':<22}  status"
    ]
    for q in result.quality:
        bounds = f"[{_fmt(q.lower_bound)}, {_fmt(q.upper_bound)}]"
        status = q.status.value.upper() if q.status is CheckStatus.BREACHED else q.status.value
        lines.append(
            f"  quality {q.column or '(window)':<{width}}  {q.check.value:<18}  "
            f"{_fmt(q.value):>10}  {_fmt(q.reference_value):>10}  {bounds:<22}  {status}"
        )
    return lines


def _multivariate_lines(result: RunResult) -> list[str]:
    lines = []
    for v in result.multivariate:
        if v.detected is None:
            verdict = f"{v.status.value}: {v.message}" if v.message else v.status.value
        else:
            verdict = "DETECTED" if v.detected else "not detected"
        band = f"[{_fmt(v.lower_threshold)}, {_fmt(v.upper_threshold)}]"
        extra = f", {v.components} components" if v.components is not None else ""
        lines.append(
            f"  multivariate {v.method:<18}  score {_fmt(v.score):>8}  band {band:<20}  "
            f"{verdict}  ({v.columns} columns{extra}, rows {v.rows_reference}/{v.rows_current})"
        )
    return lines
