"""Helpers for tests that need a real server (PostgreSQL, Prometheus, Alertmanager, Chromium).

Locally a missing server skips the test; with ``DRIFTWARDEN_REQUIRE_SERVERS=1``
(set by ``.ci/run``) it fails instead, so CI never passes by skipping.
"""

from __future__ import annotations

import os
import shutil
import socket
from typing import NoReturn

import pytest

REQUIRE_SERVERS = os.environ.get("DRIFTWARDEN_REQUIRE_SERVERS") == "1"
POSTGRES_ADMIN_URL = os.environ.get(
    "DRIFTWARDEN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def unavailable(what: str) -> NoReturn:
    """Skip (locally) or fail (in CI) because ``what`` is not available."""
    if REQUIRE_SERVERS:
        pytest.fail(f"{what} is required (DRIFTWARDEN_REQUIRE_SERVERS=1) but not available")
    pytest.skip(f"{what} not available")


def binary(name: str, *candidates: str) -> str:
    """Path of an executable, or skip/fail naming the Debian package to install."""
    for candidate in (name, *candidates):
        found = shutil.which(candidate)
        if found:
            return found
    unavailable(f"the {name!r} executable")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
