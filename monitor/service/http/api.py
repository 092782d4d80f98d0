"""``/api``: monitors, run history, run details, run now, reload."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from monitor.config.models import MonitorConfig
from monitor.service.daemon import Daemon
from monitor.service.executor import ExecutorStopped, MonitorBusy, NotLeader
from monitor.service.http.deps import Authorized, DaemonDep
from monitor.service.http.models import (
    ErrorResponse,
    LastError,
    MonitorStatus,
    ReloadResponse,
    RunDetail,
    RunsPage,
    RunStarted,
    run_detail,
    run_summary,
)
from monitor.service.http.reports import latest_report_url

router = APIRouter(prefix="/api", tags=["api"])

MAX_ID = 2**63 - 1
"""Largest run id (a signed 64-bit integer, what the results databases can compare)."""

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"model": ErrorResponse, "description": "Unknown monitor or run"}}
UNAUTHORIZED: Responses = {
    401: {"model": ErrorResponse, "description": "Missing or wrong bearer token"}
}


def _unknown_monitor(daemon: Daemon, name: str) -> HTTPException:
    known = ", ".join(m.name for m in daemon.config.monitors) or "(none)"
    return HTTPException(404, detail=f"no monitor named {name!r}; configured monitors: {known}")


def _status(daemon: Daemon, monitor: MonitorConfig) -> MonitorStatus:
    latest = daemon.latest.get(monitor.name)
    last = latest.last
    error = latest.last_error
    return MonitorStatus(
        name=monitor.name,
        schedule=monitor.parsed_schedule.describe(),
        status=last.status.value if last is not None else "never_run",
        running=daemon.executor.busy(monitor.name),
        last_run=run_summary(last) if last is not None and last.run_id is not None else None,
        last_success_at=latest.last_ok.finished_at if latest.last_ok is not None else None,
        next_run=daemon.scheduler.next_run(monitor.name),
        last_error=None
        if error is None or error.run_id is None
        else LastError(
            run_id=error.run_id, finished_at=error.finished_at, message=error.error or ""
        ),
        report_url=latest_report_url(daemon.config.service, monitor.name),
    )


@router.get("/monitors", response_model=list[MonitorStatus], summary="Every configured monitor")
def monitors(daemon: DaemonDep) -> list[MonitorStatus]:
    return [_status(daemon, m) for m in daemon.config.monitors]


@router.get(
    "/monitors/{name}/runs",
    response_model=RunsPage,
    responses=NOT_FOUND,
    summary="Run history of a monitor, newest first",
)
def monitor_runs(
    name: str,
    daemon: DaemonDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="Runs per page")] = 50,
    before: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="Only runs with a smaller id (the next page)"),
    ] = None,
) -> RunsPage:
    runs = daemon.store.runs(name, limit=limit + 1, before=before)
    configured = any(m.name == name for m in daemon.config.monitors)
    if not configured and not runs and not daemon.store.runs(name, limit=1):
        raise _unknown_monitor(daemon, name)
    page = runs[:limit]
    more = len(runs) > limit
    return RunsPage(
        monitor=name,
        runs=[run_summary(r) for r in page],
        next_before=page[-1].run_id if more and page else None,
    )


@router.get(
    "/runs/{run_id}",
    response_model=RunDetail,
    responses=NOT_FOUND,
    summary="One run with its column and metric results",
)
def run(
    run_id: Annotated[int, Path(ge=1, le=MAX_ID, description="The run's id")], daemon: DaemonDep
) -> RunDetail:
    found = daemon.store.get_run(run_id)
    if found is None:
        raise HTTPException(404, detail=f"no run with id {run_id}")
    return run_detail(found)


@router.post(
    "/monitors/{name}/run",
    response_model=RunStarted,
    dependencies=[Authorized],
    responses={
        **UNAUTHORIZED,
        **NOT_FOUND,
        409: {"model": ErrorResponse, "description": "The monitor already has a run"},
        503: {
            "model": ErrorResponse,
            "description": "The service is shutting down, or the result could not be stored "
            "(yet: while the results database does not answer it waits in memory)",
        },
    },
    summary="Run a monitor now on the window ending at its latest tick; returns the run id",
)
async def run_now(name: str, daemon: DaemonDep) -> RunStarted:
    try:
        future = daemon.run_now(name)
    except KeyError:
        raise _unknown_monitor(daemon, name) from None
    except MonitorBusy as exc:
        raise HTTPException(409, detail=str(exc)) from None
    except (ExecutorStopped, NotLeader) as exc:
        raise HTTPException(503, detail=str(exc)) from None
    try:
        result = await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        if future.cancelled():
            raise HTTPException(503, detail="the run was dropped by shutdown") from None
        raise
    except Exception as exc:
        raise HTTPException(
            503,
            detail=f"monitor {name!r}: the run's result could not be stored: "
            f"{type(exc).__name__}: {exc}",
        ) from None
    if result.run_id is None:
        raise HTTPException(
            503,
            detail=f"monitor {name!r}: the run ended {result.status.value} but the results "
            "database does not answer; the result waits in memory and is written when it "
            "answers again",
        )
    return RunStarted(
        run_id=result.run_id,
        monitor=result.monitor,
        status=result.status.value,
        window_end=result.window_end,
        error=result.error,
    )


@router.post(
    "/reload",
    response_model=ReloadResponse,
    dependencies=[Authorized],
    responses={
        **UNAUTHORIZED,
        400: {"model": ReloadResponse, "description": "Invalid config; the old one is kept"},
    },
    summary="Re-read the config file (as SIGHUP does)",
)
async def reload(daemon: DaemonDep) -> JSONResponse:
    outcome = await run_in_threadpool(daemon.reload)
    body = ReloadResponse(
        reloaded=outcome.ok,
        monitors=list(outcome.monitors),
        problems=list(outcome.problems),
        restart_required=list(outcome.restart_required),
    )
    return JSONResponse(body.model_dump(), status_code=200 if outcome.ok else 400)
