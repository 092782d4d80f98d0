"""``/metrics``, ``/healthz`` and ``/readyz``."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from monitor.service.http.deps import DaemonDep
from monitor.service.http.models import Health, Readiness

READY_TIMEOUT_SECONDS = 3.0
"""How long ``/readyz`` waits for the results database to answer."""

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}, "application/openmetrics-text": {}}}},
    summary="Prometheus exposition (OpenMetrics when the scraper asks for it)",
)
def metrics(request: Request, daemon: DaemonDep) -> Response:
    body, content_type = daemon.exporter.render(request.headers.get("accept"))
    return Response(content=body, media_type=None, headers={"Content-Type": content_type})


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers")
def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready, with the reasons"}},
    summary="Readiness: the results database answers and the scheduler runs (a standby "
    "replica is ready: it serves the API and /metrics)",
)
async def readyz(daemon: DaemonDep) -> JSONResponse:
    try:
        reasons = await asyncio.wait_for(
            run_in_threadpool(daemon.readiness), timeout=READY_TIMEOUT_SECONDS
        )
    except TimeoutError:
        reasons = [f"the results database did not answer within {READY_TIMEOUT_SECONDS:g}s"]
    body = Readiness(
        status="unavailable" if reasons else "ready",
        reasons=reasons,
        role=daemon.role,
    )
    return JSONResponse(body.model_dump(), status_code=503 if reasons else 200)
