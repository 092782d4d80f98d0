"""``GET /api/monitors/{name}/history``: the time series of one score or metric."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from monitor.config.models import Metric
from monitor.service.http.deps import DaemonDep
from monitor.service.http.models import ErrorResponse
from monitor.store.history import HistoryPoint, Series, read_history

router = APIRouter(prefix="/api", tags=["api"])

MAX_POINTS = 100_000


class HistoryPointOut(BaseModel):
    run_id: int
    window_start: datetime | None
    window_end: datetime
    run_status: Literal["ok", "insufficient_data", "error"]
    value: float | None = Field(description="null when the window's run has no value")
    status: str | None = Field(
        description="drift or ok (dataset drift share); drift, ok, insufficient_data or "
        "undefined (column); ok, breached, no_labels or undefined (metric); null without a value"
    )
    threshold: float | None = Field(description="Drift threshold (drift share and column)")
    lower_bound: float | None = Field(description="Metric's lower bound")
    upper_bound: float | None = Field(description="Metric's upper bound")
    method: str | None = Field(description="The column's drift test")


class HistoryOut(BaseModel):
    monitor: str
    series: Literal[
        "dataset_drift_share", "column_drift_score", "performance_metric", "performance_estimated"
    ]
    metric: str | None
    column: str | None
    points: list[HistoryPointOut] = Field(
        description="One per window, oldest first (a window run twice: its newest run)."
    )


def _point(p: HistoryPoint) -> HistoryPointOut:
    return HistoryPointOut(
        run_id=p.run_id,
        window_start=p.window_start,
        window_end=p.window_end,
        run_status=p.run_status,
        value=p.value,
        status=p.status,
        threshold=p.threshold,
        lower_bound=p.lower_bound,
        upper_bound=p.upper_bound,
        method=p.method,
    )


def _utc(value: datetime | None, name: str) -> datetime | None:
    """Timestamps without a zone are UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise HTTPException(422, detail=f"'{name}' is out of range: {value.isoformat()}") from None


@router.get(
    "/monitors/{name}/history",
    response_model=HistoryOut,
    responses={
        404: {"model": ErrorResponse, "description": "Unknown monitor"},
        422: {"description": "Invalid parameters (named in the detail)"},
    },
    summary="Time series of a drift score or performance metric, ordered by window end",
)
def monitor_history(
    name: str,
    daemon: DaemonDep,
    metric: Annotated[
        Metric | None,
        Query(description="A performance metric (not with 'column')"),
    ] = None,
    column: Annotated[
        str | None,
        Query(
            max_length=500,
            pattern=r"^[^\x00]*$",
            description="A column: its drift score (not with 'metric')",
        ),
    ] = None,
    estimated: Annotated[
        bool, Query(description="With 'metric': the CBPE estimate rather than the realized value")
    ] = False,
    start: Annotated[
        datetime | None,
        Query(alias="from", description="Windows ending at or after (ISO 8601; no zone: UTC)"),
    ] = None,
    end: Annotated[
        datetime | None,
        Query(alias="to", description="Windows ending at or before (ISO 8601; no zone: UTC)"),
    ] = None,
    last: Annotated[
        int | None, Query(ge=1, le=MAX_POINTS, description="Only the newest this many windows")
    ] = None,
) -> HistoryOut:
    """Neither ``metric`` nor ``column``: the dataset drift share. ``from`` after ``to``
    selects no window (an empty list)."""
    metric_name = None if metric is None else metric.value
    try:
        series = Series.of(metric=metric_name, column=column, estimated=estimated)
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from None
    start, end = _utc(start, "from"), _utc(end, "to")
    configured = any(m.name == name for m in daemon.config.monitors)
    if not configured and not daemon.store.runs(name, limit=1):
        known_monitors = ", ".join(m.name for m in daemon.config.monitors) or "(none)"
        raise HTTPException(
            404, detail=f"no monitor named {name!r}; configured monitors: {known_monitors}"
        )
    points = read_history(daemon.store, name, series, start=start, end=end, last=last)
    return HistoryOut(
        monitor=name,
        series=series.kind.value,
        metric=metric_name,
        column=column,
        points=[_point(p) for p in points],
    )
