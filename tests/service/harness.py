"""A daemon on temp files (config, source, store, reports folder) for API and daemon tests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.registry import CollectorRegistry

from monitor.config import load_config
from monitor.runner import Runner
from monitor.service.daemon import Daemon
from monitor.service.http import create_app
from monitor.store import Store
from tests.service.appclient import AppClient
from tests.service.fakes import FakeClock
from tests.service.sources import NOW, monitor_toml, write_source


@dataclass
class Harness:
    root: Path
    config_path: Path
    source_url: str
    daemon: Daemon
    client: AppClient
    clock: FakeClock

    def write_config(self, text: str) -> None:
        self.config_path.write_text(text, encoding="utf-8")


def config_text(
    root: Path, source_url: str, *, service: str = "", monitors: str = "", store_url: str = ""
) -> str:
    return f"""
[service]
store_url = "{store_url or f"sqlite:///{root / 'driftwarden.db'}"}"
reports_dir = "{root / "reports"}"
{service}
{monitors or monitor_toml("churn", source_url) + monitor_toml("fraud", source_url)}
"""


@contextmanager
def harness(
    root: Path,
    *,
    service: str = "",
    monitors: str = "",
    environ: dict[str, str] | None = None,
    runner: Runner | None = None,
    start: bool = True,
    store_url: str = "",
) -> Iterator[Harness]:
    clock = FakeClock(NOW)
    source_url = f"sqlite:///{root / 'source.db'}"
    write_source(source_url, NOW)
    (root / "reports").mkdir(exist_ok=True)
    config_path = root / "config.toml"
    config_path.write_text(
        config_text(root, source_url, service=service, monitors=monitors, store_url=store_url)
    )
    config = load_config(config_path, environ=environ or {})
    store = Store.open(config.service.store_url)
    daemon = Daemon(
        config,
        store,
        config_path=config_path,
        clock=clock,
        environ=environ or {},
        runner=runner,
        registry=CollectorRegistry(),
        process_metrics=False,
    )
    try:
        if start:
            daemon.start()
            wait_idle(daemon)
        client = AppClient(create_app(daemon))
        try:
            yield Harness(root, config_path, source_url, daemon, client, clock)
        finally:
            client.close()
    finally:
        daemon.stop(grace=5)
        store.close()


def wait_idle(daemon: Daemon, timeout: float = 30.0) -> None:
    """Wait until no monitor has a run queued or running (e.g. the catch-up runs)."""
    deadline = time.monotonic() + timeout
    while any(daemon.executor.busy(m.name) for m in daemon.config.monitors):
        if time.monotonic() > deadline:
            raise AssertionError("runs still going")
        time.sleep(0.02)
