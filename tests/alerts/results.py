"""Run results and configs built by hand for the alert tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.config import Config, MonitorConfig, parse_config
from monitor.result import (
    CheckStatus,
    ColumnResult,
    ColumnStatus,
    DatasetDrift,
    MetricResult,
    MetricStatus,
    QualityCheck,
    QualityResult,
    Role,
    RunResult,
    RunStatus,
)
from monitor.windows import TimeRange

END = datetime(2026, 3, 2, 12, tzinfo=UTC)


def column(
    name: str,
    *,
    role: Role = Role.FEATURE,
    drifted: bool | None = True,
    method: str = "ks",
    score: float = 0.001,
    threshold: float = 0.05,
) -> ColumnResult:
    return ColumnResult(
        column=name,
        role=role,
        feature_type="numerical",
        method=method,
        score_kind="p_value" if method == "ks" else "distance",
        score=score,
        threshold=threshold,
        drifted=drifted,
        status=ColumnStatus.OK if drifted is not None else ColumnStatus.INSUFFICIENT_DATA,
        rows_reference=500,
        rows_current=400,
        missing_reference=0,
        missing_current=0,
    )


def metric(
    name: str,
    value: float | None,
    *,
    lower: float | None = None,
    upper: float | None = None,
    status: MetricStatus | None = None,
) -> MetricResult:
    if status is None:
        out = value is not None and (
            (lower is not None and value < lower) or (upper is not None and value > upper)
        )
        status = MetricStatus.BREACHED if out else MetricStatus.OK
    return MetricResult(name, value, 0.8, lower, upper, status, 120)


def quality(
    check: QualityCheck, col: str | None, value: float, upper: float, status: CheckStatus
) -> QualityResult:
    return QualityResult(check, col, value, 0.01, None, upper, status)


def run(
    monitor: str = "churn",
    *,
    status: RunStatus = RunStatus.OK,
    end: datetime = END,
    run_id: int | None = 7,
    columns: tuple[ColumnResult, ...] = (),
    metrics: tuple[MetricResult, ...] = (),
    quality: tuple[QualityResult, ...] = (),
    drift: DatasetDrift | None = None,
    error: str | None = None,
) -> RunResult:
    return RunResult(
        monitor=monitor,
        status=status,
        window_end=end,
        current=TimeRange(end - timedelta(hours=1), end),
        reference=TimeRange(end - timedelta(days=3), end - timedelta(days=2)),
        started_at=end + timedelta(seconds=5),
        finished_at=end + timedelta(seconds=9),
        rows_reference=500,
        rows_current=400 if status is not RunStatus.ERROR else None,
        columns=columns,
        metrics=metrics,
        dataset_drift=drift,
        quality=quality,
        error=error,
        run_id=run_id,
    )


MONITOR = """
[[monitors]]
name = "{name}"
source_url = "sqlite:///source.db"
table = "predictions"
timestamp_column = "ts"
numerical = ["x1", "x2"]
categorical = ["plan"]
prediction = "pred"
prediction_score = "score"
target = "label"
task = "binary_classification"
schedule = "{schedule}"
current = {{ last = "1h" }}
reference = {{ start = "2026-01-01T00:00:00", end = "2026-02-01T00:00:00" }}
{extra}
[[monitors.performance]]
metric = "roc_auc"
min = 0.6
"""


def config(
    extra: str = "",
    *,
    service: str = 'public_url = "https://dw.example.com"',
    alerting: str = "",
    name: str = "churn",
    schedule: str = "every 1h",
) -> Config:
    text = f"""
[service]
{service}

[alerting]
{alerting}
{MONITOR.format(name=name, schedule=schedule, extra=extra)}
"""
    return parse_config(text, environ={})


def monitor(extra: str = "", **kwargs: str) -> MonitorConfig:
    return config(extra, **kwargs).monitors[0]
