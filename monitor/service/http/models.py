"""Response models of the HTTP API (they make ``/openapi.json`` exact)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from monitor.result import MetricResult, RunResult


class ErrorResponse(BaseModel):
    detail: str = Field(description="What went wrong, naming the monitor or run.")


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    reasons: list[str] = Field(default_factory=list, description="Why it is not ready.")
    role: Literal["leader", "standby"] | None = Field(
        default=None,
        description="The leader schedules runs and sends alerts; a standby (another replica "
        "holds the leader lock) serves the API and /metrics and is ready too. None while the "
        "service is not running.",
    )


class DatasetDriftOut(BaseModel):
    share: float
    threshold: float
    detected: bool
    drifted_columns: int
    tested_columns: int


class RunSummary(BaseModel):
    id: int
    monitor: str
    status: Literal["ok", "insufficient_data", "error"]
    window_start: datetime | None
    window_end: datetime
    started_at: datetime
    finished_at: datetime
    duration_seconds: float
    rows_reference: int | None
    rows_current: int | None
    dataset_drift: DatasetDriftOut | None
    drifted_columns: list[str]
    error: str | None
    label_coverage: float | None = Field(
        default=None,
        description="Share of the window's predictions with a known label "
        "(monitors with a target).",
    )
    labels_known: int | None = Field(
        default=None, description="Label rows known for the window's predictions at this run."
    )
    reevaluates: int | None = Field(
        default=None,
        description="Set on a re-evaluation of a past window as its labels arrived: the id "
        "of the window's previous evaluation.",
    )


class ColumnOut(BaseModel):
    column: str
    role: Literal["feature", "prediction", "score", "target"]
    type: str
    method: str | None
    score_kind: str | None
    score: float | None = Field(description="null when not tested or not finite")
    threshold: float | None
    drifted: bool | None
    status: Literal["ok", "insufficient_data"]
    rows_reference: int
    rows_current: int
    missing_reference: int
    missing_current: int


class MetricOut(BaseModel):
    metric: str
    value: float | None
    reference_value: float | None
    lower_bound: float | None
    upper_bound: float | None
    status: Literal["ok", "breached", "no_labels", "undefined"]
    rows: int


class RunDetail(RunSummary):
    reference_start: datetime | None
    reference_end: datetime | None
    columns: list[ColumnOut]
    metrics: list[MetricOut]
    estimated_metrics: list[MetricOut] = Field(
        description="Performance estimated without labels (CBPE), one per [[monitors.estimated]]."
    )


class RunsPage(BaseModel):
    monitor: str
    runs: list[RunSummary]
    next_before: int | None = Field(
        description="Pass as ?before= for the next (older) page; null on the last page."
    )


class LastError(BaseModel):
    run_id: int
    finished_at: datetime
    message: str


class MonitorStatus(BaseModel):
    name: str
    schedule: str
    status: Literal["ok", "insufficient_data", "error", "never_run"]
    running: bool = Field(description="A run is queued or in progress.")
    last_run: RunSummary | None
    last_success_at: datetime | None
    next_run: datetime | None
    last_error: LastError | None
    report_url: str | None = Field(description="The latest HTML report, when one exists.")


class RunStarted(BaseModel):
    run_id: int
    monitor: str
    status: Literal["ok", "insufficient_data", "error"]
    window_end: datetime
    error: str | None


class ReloadResponse(BaseModel):
    reloaded: bool
    monitors: list[str] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list)
    restart_required: list[str] = Field(
        default_factory=list, description="[service] options that take effect on restart."
    )


def finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value


def run_summary(result: RunResult) -> RunSummary:
    assert result.run_id is not None
    drift = result.dataset_drift
    return RunSummary(
        id=result.run_id,
        monitor=result.monitor,
        status=result.status.value,
        window_start=result.current.start,
        window_end=result.window_end,
        started_at=result.started_at,
        finished_at=result.finished_at,
        duration_seconds=result.duration_seconds,
        rows_reference=result.rows_reference,
        rows_current=result.rows_current,
        dataset_drift=None
        if drift is None
        else DatasetDriftOut(
            share=drift.share,
            threshold=drift.threshold,
            detected=drift.detected,
            drifted_columns=drift.drifted_columns,
            tested_columns=drift.tested_columns,
        ),
        drifted_columns=result.drifted_columns,
        error=result.error,
        label_coverage=finite(result.label_coverage),
        labels_known=result.labels_known,
        reevaluates=result.reevaluates,
    )


def run_detail(result: RunResult) -> RunDetail:
    summary = run_summary(result)
    return RunDetail(
        **summary.model_dump(),
        reference_start=result.reference.start,
        reference_end=result.reference.end,
        columns=[
            ColumnOut(
                column=c.column,
                role=c.role.value,
                type=c.feature_type,
                method=c.method,
                score_kind=c.score_kind,
                score=finite(c.score),
                threshold=finite(c.threshold),
                drifted=c.drifted,
                status=c.status.value,
                rows_reference=c.rows_reference,
                rows_current=c.rows_current,
                missing_reference=c.missing_reference,
                missing_current=c.missing_current,
            )
            for c in result.columns
        ],
        metrics=[_metric(m) for m in result.metrics],
        estimated_metrics=[_metric(m) for m in result.estimated],
    )


def _metric(m: MetricResult) -> MetricOut:
    return MetricOut(
        metric=m.metric,
        value=finite(m.value),
        reference_value=finite(m.reference_value),
        lower_bound=finite(m.lower_bound),
        upper_bound=finite(m.upper_bound),
        status=m.status.value,
        rows=m.rows,
    )
