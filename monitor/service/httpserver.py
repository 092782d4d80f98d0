"""uvicorn in a background thread, so the main thread keeps the signal handling."""

from __future__ import annotations

import threading
import time

import uvicorn
from fastapi import FastAPI


class HttpServerError(Exception):
    """The HTTP server could not start (e.g. the address is in use)."""


class HttpServer:
    def __init__(self, app: FastAPI, host: str, port: int) -> None:
        self._server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_config=None,
                access_log=False,
                lifespan="off",
                timeout_graceful_shutdown=5,
            )
        )
        self._thread = threading.Thread(
            target=self._server.run, name="driftwarden-http", daemon=True
        )
        self.host = host
        self.port = port

    def start(self, timeout: float = 15.0) -> None:
        """Start serving; raise :class:`HttpServerError` when it cannot."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise HttpServerError(f"cannot listen on {self.host}:{self.port} (see the log)")
            if time.monotonic() > deadline:
                raise HttpServerError(
                    f"not listening on {self.host}:{self.port} after {timeout:g}s"
                )
            time.sleep(0.02)

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)
