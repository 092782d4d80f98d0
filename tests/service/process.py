"""``driftwarden serve`` as a child process on a free loopback port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

import monitor

ROOT = Path(monitor.__file__).resolve().parents[1]
"""The checkout whose ``monitor`` the tests import: the child process runs the same code,
not whatever copy the interpreter has installed."""


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(self.url + path, timeout=10, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.post(self.url + path, timeout=30, **kwargs)  # type: ignore[arg-type]

    def signal(self, sig: int) -> None:
        self.process.send_signal(sig)

    def wait_for(
        self, condition: Callable[[], bool], timeout: float = 30.0, what: str = ""
    ) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if condition():
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited ({self.process.returncode}): {self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; log:\n{self.log()}")
            time.sleep(0.1)

    def stop(self, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)


def pythonpath() -> str:
    rest = os.environ.get("PYTHONPATH")
    return str(ROOT) + (os.pathsep + rest if rest else "")


@contextmanager
def serve(
    config_path: Path,
    port: int,
    *,
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    global_args: tuple[str, ...] = (),
) -> Iterator[Served]:
    """``global_args`` go before the command (e.g. ``--log-level debug``), ``args`` after."""
    log_path = config_path.parent / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "monitor",
                *global_args,
                "serve",
                "--config",
                str(config_path),
                *args,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=config_path.parent,
            env={**os.environ, "PYTHONPATH": pythonpath(), **(env or {})},
        )
    served = Served(process, f"http://127.0.0.1:{port}", log_path)
    try:
        yield served
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
