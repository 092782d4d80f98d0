"""Write the demo database and run the demo monitor over its days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from monitor.config.models import Config, MonitorConfig
from monitor.demo.data import DemoData, generate
from monitor.pipeline import Pipeline
from monitor.reports import ReportPublisher
from monitor.result import RunResult, RunStatus
from monitor.runner import RunData
from monitor.windows import window_end_for


def write_database(path: Path, data: DemoData) -> None:
    """(Re)create the SQLite file with ``predictions`` and ``reference_predictions``."""
    path.unlink(missing_ok=True)
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            data.predictions.to_sql("predictions", conn, index=False)
            data.reference.to_sql("reference_predictions", conn, index=False)
            conn.execute(sa.text("CREATE INDEX ix_predictions_ts ON predictions (ts)"))
    finally:
        engine.dispose()


def demo_monitor(config: Config, database: Path) -> MonitorConfig:
    """The configured monitor that reads the demo database."""
    for monitor in config.monitors:
        if monitor.source_url.startswith("sqlite") and monitor.source_url.endswith(database.name):
            return monitor
    raise LookupError(
        f"no monitor in the config reads {database.name}; the demo needs one "
        "(the shipped config.toml has it)"
    )


def ticks(
    monitor: MonitorConfig, first: datetime, last: datetime, step: timedelta
) -> list[datetime]:
    out = []
    at = window_end_for(monitor, first)
    while at <= last:
        out.append(at)
        at = window_end_for(monitor, at + step)
    return out


class KeyWindows:
    """A sink that keeps the runs the demo writes reports for.

    The demo evaluates dozens of windows in seconds; a report takes a few
    seconds each (and Evidently's import several more), so it writes three:
    the first window (the calm baseline), the first with dataset drift (what
    an alert would link to) and the last (what ``latest.html`` shows).
    """

    name = "demo-key-windows"

    def __init__(self) -> None:
        self.first: tuple[RunResult, RunData | None] | None = None
        self.first_drift: tuple[RunResult, RunData | None] | None = None
        self.last: tuple[RunResult, RunData | None] | None = None

    def publish(self, monitor: MonitorConfig, result: RunResult, data: RunData | None) -> None:
        kept = (result, data)
        if self.first is None:
            self.first = kept
        drift = result.dataset_drift
        if self.first_drift is None and drift is not None and drift.detected:
            self.first_drift = kept
        self.last = kept

    def chosen(self) -> list[tuple[RunResult, RunData | None]]:
        out: list[tuple[RunResult, RunData | None]] = []
        for kept in (self.first, self.first_drift, self.last):
            if kept is not None and all(kept[0].run_id != o[0].run_id for o in out):
                out.append(kept)
        return out


def run_demo(
    pipeline: Pipeline,
    monitor: MonitorConfig,
    reports: ReportPublisher | None,
    database: Path,
    *,
    now: datetime,
    days: int,
    step: timedelta,
    say: Callable[[str], None],
) -> list[RunResult]:
    end = window_end_for(monitor, now)
    data = generate(end, days)
    write_database(database, data)
    say(
        f"wrote {database} with {len(data.predictions):,} predictions over {days} days "
        f"(drift begins {data.drift_starts:%Y-%m-%d %H:%M} UTC) "
        f"and {len(data.reference):,} reference rows"
    )
    results = []
    first = end - timedelta(days=days) + monitor.current.last
    keep = KeyWindows()
    pipeline.sinks.append(keep)
    try:
        for tick in ticks(monitor, first, end, step):
            result = pipeline.run(monitor, tick)
            results.append(result)
            say(describe(result))
    finally:
        pipeline.sinks.remove(keep)
    detected = [r for r in results if r.dataset_drift and r.dataset_drift.detected]
    if detected:
        first = detected[0].window_end
        say(f"dataset drift first detected for the window ending {first:%Y-%m-%d %H:%M} UTC")
    if reports is not None:
        write_reports(reports, monitor, keep, say)
    return results


def write_reports(
    reports: ReportPublisher,
    monitor: MonitorConfig,
    keep: KeyWindows,
    say: Callable[[str], None],
) -> None:
    chosen = keep.chosen()
    say(f"writing {len(chosen)} HTML report(s) (first window, first drift, latest)...")
    for result, data in chosen:
        outcome = reports.publish(monitor, result, reports.prepare(monitor, data))
        when = f"{result.window_end:%Y-%m-%d %H:%M}"
        if outcome.path is not None:
            say(f"report for the window ending {when}: {reports.root / outcome.path}")
        else:
            say(f"no report for the window ending {when}: {outcome.error or outcome.skipped}")
    say(f"all monitors: {reports.root / 'index.html'}")


def describe(result: RunResult) -> str:
    when = f"{result.window_end:%Y-%m-%d %H:%M}"
    if result.status is not RunStatus.OK:
        return f"{when}  {result.status.value}: {result.error}"
    drift = result.dataset_drift
    assert drift is not None
    metrics = "  ".join(
        f"{m.metric}={m.value:.3f}" if m.value is not None else f"{m.metric}={m.status.value}"
        for m in result.metrics
    )
    flag = "DRIFT" if drift.detected else "ok   "
    columns = ", ".join(result.drifted_columns) or "-"
    return (
        f"{when}  {flag}  share={drift.share:.2f}  rows={result.rows_current:>4}  "
        f"{metrics}  drifted: {columns}"
    )
