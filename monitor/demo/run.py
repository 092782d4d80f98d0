"""Write the demo database and run the demo monitor over its days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from monitor.config.models import Config, MonitorConfig
from monitor.demo.data import DemoData, generate
from monitor.pipeline import Pipeline
from monitor.result import RunResult, RunStatus
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


def run_demo(
    pipeline: Pipeline,
    monitor: MonitorConfig,
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
    for tick in ticks(monitor, first, end, step):
        result = pipeline.run(monitor, tick)
        results.append(result)
        say(describe(result))
    detected = [r for r in results if r.dataset_drift and r.dataset_drift.detected]
    if detected:
        first = detected[0].window_end
        say(f"dataset drift first detected for the window ending {first:%Y-%m-%d %H:%M} UTC")
    return results


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
