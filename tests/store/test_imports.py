"""The store's alert tables and the alerts package import each other's parts: each
imports on its own, first in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.service.process import pythonpath

MODULES = ["monitor.store.alerts", "monitor.alerts.state", "monitor.alerts", "monitor.store"]


@pytest.mark.parametrize("module", MODULES)
def test_the_module_imports_first(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": pythonpath()},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
