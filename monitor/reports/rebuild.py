"""``driftwarden report``: rebuild the report of a past window from the source.

The windows are read again through the runner, so the report shows the data
as it reads now. The rebuilt report is attached to the stored run of that
window (when there is one); where the fresh numbers differ from the stored
ones — rows arrived since, labels came late — the header says which.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from monitor.config.models import MonitorConfig
from monitor.reports.agreement import same_number
from monitor.reports.publisher import ReportOutcome, ReportPublisher
from monitor.result import RunResult, RunStatus
from monitor.runner import Runner
from monitor.store import Store


@dataclasses.dataclass(frozen=True)
class Rebuilt:
    result: RunResult
    """The fresh result (carrying the stored run's id when one exists)."""
    stored: RunResult | None
    outcome: ReportOutcome


def rebuild(
    monitor: MonitorConfig,
    at: datetime,
    *,
    runner: Runner,
    store: Store,
    publisher: ReportPublisher,
    now: datetime,
) -> Rebuilt:
    """Read the window ending at the tick at or before ``at`` again and write its report."""
    fresh, data = runner.run_with_data(monitor, at)
    stored = store.run_for_window(monitor.name, fresh.window_end)
    notes = [f"Rebuilt on {now:%Y-%m-%d %H:%M:%S} UTC from the windows as they read then."]
    if stored is not None:
        fresh = dataclasses.replace(fresh, run_id=stored.run_id)
        changed = differences(stored, fresh)
        if changed:
            notes.append(
                f"The stored run #{stored.run_id} (which the gauges and alerts used) differs "
                f"from this rebuild for: {', '.join(changed)}; the source rows changed since."
            )
    else:
        notes.append("No stored run has this window; this report is not linked from a run.")
    forced = monitor.model_copy(
        update={"report": monitor.report.model_copy(update={"enabled": True})}
    )
    if fresh.status is not RunStatus.OK:
        outcome = ReportOutcome(error=f"no report: the run ended {fresh.status.value}: {fresh.error}")
    else:
        outcome = publisher.publish(forced, fresh, publisher.prepare(forced, data), notes=notes)
    return Rebuilt(fresh, stored, outcome)


def differences(stored: RunResult, fresh: RunResult) -> list[str]:
    """Columns and metrics whose score, verdict or value differ between two runs."""
    out = []
    fresh_columns = {c.column: c for c in fresh.columns}
    for old in stored.columns:
        new = fresh_columns.pop(old.column, None)
        if (
            new is None
            or old.drifted != new.drifted
            or not _same(old.score, new.score)
        ):
            out.append(old.column)
    out.extend(fresh_columns)
    fresh_metrics = {m.metric: m for m in fresh.metrics}
    for old_metric in stored.metrics:
        new_metric = fresh_metrics.pop(old_metric.metric, None)
        if (
            new_metric is None
            or old_metric.status != new_metric.status
            or not _same(old_metric.value, new_metric.value)
        ):
            out.append(old_metric.metric)
    out.extend(fresh_metrics)
    return out


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return same_number(a, b)
