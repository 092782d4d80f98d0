"""``driftwarden serve``: start the daemon and the HTTP server, then follow signals.

- SIGTERM / SIGINT: stop taking runs, give running ones ``service.shutdown_grace``
  to finish (a second signal ends the wait), record any cut short, exit 0.
- SIGHUP: re-read the config file; an invalid one is refused and logged.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import queue
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import FrameType

from monitor.config import Config, load_config
from monitor.runner import utcnow
from monitor.service.daemon import Daemon
from monitor.service.http import create_app
from monitor.service.httpserver import HttpServer, HttpServerError
from monitor.service.sinks import SINK_FACTORIES, SinkFactory
from monitor.source import mask_url
from monitor.store import Store

log = logging.getLogger("driftwarden.service")

EXIT_OK = 0
EXIT_FAILED = 1

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class SignalQueue:
    """Signals received by the process, in order, for the main thread to act on."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[int] = queue.SimpleQueue()
        self.hurry = threading.Event()
        self._stopping = False
        self._previous: dict[int, object] = {}

    def install(self) -> None:
        for sig in (*STOP_SIGNALS, signal.SIGHUP):
            self._previous[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]

    def _handle(self, sig: int, _frame: FrameType | None) -> None:
        if sig in STOP_SIGNALS:
            if self._stopping:
                self.hurry.set()
            self._stopping = True
        self._queue.put(sig)

    def next(self, timeout: float = 1.0) -> int | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None


def serve(
    config_path: str | Path,
    *,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] = utcnow,
    sink_factories: Sequence[SinkFactory] = SINK_FACTORIES,
) -> int:
    """Run the service until SIGTERM/SIGINT; return the exit code."""
    environ = os.environ if environ is None else environ
    config = load_config(config_path, environ=environ)
    service = config.service
    store = Store.open(service.store_url)
    daemon = Daemon(
        config,
        store,
        config_path=config_path,
        clock=clock,
        environ=environ,
        sink_factories=sink_factories,
    )
    _warn_if_open(config, daemon.api_token())
    signals = SignalQueue()
    signals.install()
    http = HttpServer(create_app(daemon), service.host, service.port)
    try:
        try:
            http.start()
        except HttpServerError as exc:
            log.error("%s", exc)
            return EXIT_FAILED
        daemon.start()
        log.info(
            "serving on http://%s:%d (results in %s, reports in %s)",
            service.host,
            service.port,
            mask_url(service.store_url),
            service.reports_dir,
        )
        _follow_signals(daemon, signals)
        log.info("shutting down")
        daemon.stop(hurry=signals.hurry)
        http.stop()
    finally:
        signals.restore()
        store.close()
    log.info("stopped")
    return EXIT_OK


def _follow_signals(daemon: Daemon, signals: SignalQueue) -> None:
    while True:
        sig = signals.next()
        if sig is None:
            continue
        if sig == signal.SIGHUP:
            log.info("SIGHUP: reloading the config")
            daemon.reload()
            continue
        log.info("%s received", signal.Signals(sig).name)
        return


def _warn_if_open(config: Config, token: str | None) -> None:
    if token is not None:
        return
    host = config.service.host
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        log.warning(
            "listening on %s without an API token: anyone who reaches it can trigger runs "
            "and reloads; set [service] api_token or %s",
            config.service.listen,
            config.service.api_token_env,
        )
