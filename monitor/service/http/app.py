"""The FastAPI application of ``driftwarden serve``."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from monitor import __version__
from monitor.service.daemon import Daemon
from monitor.service.http import api, health, history, reports


def create_app(daemon: Daemon, *, routers: Sequence[APIRouter] = ()) -> FastAPI:
    """The app serving ``daemon``; extra ``routers`` (other parts' endpoints) are mounted
    after the built-in ones and reach the daemon through ``request.app.state.daemon``."""
    app = FastAPI(
        title="driftwarden",
        version=__version__,
        description="Drift and performance monitoring of ML models in production.",
    )
    app.state.daemon = daemon
    app.include_router(health.router)
    app.include_router(api.router)
    app.include_router(history.router)
    app.include_router(reports.router)
    for router in routers:
        app.include_router(router)
    return app
