"""``[service]`` options of several replicas sharing one PostgreSQL results database.

Only one replica schedules runs and sends alerts at a time: the one holding a
PostgreSQL advisory lock (see :mod:`monitor.store.lock`). These options say which
lock and how often it is checked.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

LOCK_NAMESPACE = b"driftwarden: the replica that schedules runs"


def _default_key() -> int:
    digest = hashlib.sha256(LOCK_NAMESPACE).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


DEFAULT_LEADER_LOCK_KEY = _default_key()
"""The advisory lock key (a signed 64-bit integer) derived from a fixed namespace."""

DEFAULT_LEADER_CHECK = timedelta(seconds=5)
MIN_LEADER_CHECK = timedelta(seconds=1)
MAX_LEADER_CHECK = timedelta(minutes=5)


def check_leader_check(value: timedelta) -> timedelta:
    """The lock check interval, between 1s and 5m."""
    if not MIN_LEADER_CHECK <= value <= MAX_LEADER_CHECK:
        raise ValueError(
            f"expected a duration between 1s and 5m such as '5s', got {value.total_seconds():g}s"
        )
    return value
