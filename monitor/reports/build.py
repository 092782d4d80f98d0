"""Build the HTML report of one run: sample, type, plan, run Evidently, compare, compose."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.config.models import MonitorConfig
from monitor.reports.agreement import (
    ColumnAgreement,
    EvidentlyDataset,
    column_verdicts,
    compare,
    dataset_verdict,
)
from monitor.reports.evidently_run import run_evidently
from monitor.reports.frames import typed_frame
from monitor.reports.page import Header, compose, render_header
from monitor.reports.paths import stamp
from monitor.reports.plan import plan_report
from monitor.reports.sampling import Sample, SampledData
from monitor.result import RunResult
from monitor.stats import StatTestRegistry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuiltReport:
    html: bytes
    """The page, UTF-8."""
    agreement: tuple[ColumnAgreement, ...]
    """driftwarden's and Evidently's score and verdict for each column in the panels."""
    dataset: EvidentlyDataset | None
    """Evidently's dataset drift share and verdict (None without feature panels)."""
    reference: Sample
    current: Sample
    snapshot: dict[str, Any]
    """Evidently's JSON snapshot of the drift panels, parsed."""
    performance_rows: tuple[int, int] | None = None
    """Labelled (reference, current) rows behind the performance panels, if any."""

    @property
    def sampled(self) -> bool:
        return self.reference.sampled or self.current.sampled

    @property
    def disagreements(self) -> list[str]:
        return [a.column for a in self.agreement if not a.agrees]


def build_report(
    monitor: MonitorConfig,
    result: RunResult,
    data: SampledData,
    *,
    registry: StatTestRegistry,
    generated_at: datetime,
    notes: Sequence[str] = (),
) -> BuiltReport:
    """The report page of ``result`` (``data``: see ``sample_data``); raises what Evidently raises."""
    reference, current = data.reference, data.current
    kinds = [(name, kind) for name, kind, _ in data.columns]
    ref = typed_frame(reference.frame, kinds, monitor=monitor.name, window="reference")
    cur = typed_frame(current.frame, kinds, monitor=monitor.name, window="current")
    plan = plan_report(monitor, result, data.columns, ref, cur, registry)
    try:
        run = run_evidently(plan, ref, cur, timestamp=result.window_end)
    except Exception as exc:
        if plan.performance is None:
            raise
        # The drift panels matter most; a performance panel Evidently cannot draw
        # (e.g. one class only) must not cost the whole report.
        log.warning(
            "monitor %r: Evidently failed on the performance panels (%s: %s); "
            "building the report without them",
            monitor.name,
            type(exc).__name__,
            exc,
        )
        plan = plan.without_performance(
            f"Performance panels left out: Evidently failed on them ({type(exc).__name__}: {exc})."
        )
        run = run_evidently(plan, ref, cur, timestamp=result.window_end)
    if run.performance_rows is not None:
        ref_rows, cur_rows = run.performance_rows
        notes = [
            *notes,
            "Evidently's performance panels use the rows with a label and a prediction: "
            f"{ref_rows:,} reference and {cur_rows:,} current rows"
            + (" of the sample." if reference.sampled or current.sampled else "."),
        ]
    planned = {c.column for c in plan.drift_columns}
    verdicts = column_verdicts(run.snapshot)
    agreement = tuple(a for a in compare(result, verdicts, registry) if a.column in planned)
    built_notes = list(notes)
    if plan.retyped:
        built_notes.append(
            "Evidently runs chisquare and z on categorical columns only, so "
            f"{', '.join(plan.retyped)} appear(s) below as categorical; the values are unchanged."
        )
    if plan.performance_note is not None:
        built_notes.append(
            plan.performance_note
            if plan.performance_note.startswith("Performance panels")
            else f"No performance panels: {plan.performance_note}."
        )
    header = render_header(
        Header(
            result=result,
            reference=reference,
            current=current,
            agreement=agreement,
            left_out=plan.left_out,
            notes=built_notes,
            generated_at=generated_at,
        )
    )
    title = f"{monitor.name} {stamp(result.window_end)} · driftwarden"
    page = compose(run.html, header, title)
    built = BuiltReport(
        html=page.encode("utf-8"),
        agreement=agreement,
        dataset=dataset_verdict(run.snapshot),
        reference=reference,
        current=current,
        snapshot=run.snapshot,
        performance_rows=run.performance_rows,
    )
    if built.disagreements and not built.sampled:
        log.warning(
            "monitor %r: Evidently's report disagrees with the stored result for column(s) %s",
            monitor.name,
            built.disagreements,
        )
    return built
