"""A bounded, ordered buffer of run results the results database has not taken yet.

Pure bookkeeping (no I/O, no threads): :class:`~monitor.service.storewriter.StoreWriter`
appends a result when a write fails, and takes them out oldest first once the
database answers again. When the buffer is full, the oldest result is dropped
to make room for the new one and counted.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from monitor.config.models import MonitorConfig
from monitor.result import RunResult


@dataclass(frozen=True)
class Pending:
    monitor: MonitorConfig
    result: RunResult


class ResultBuffer:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"the store buffer must hold at least 1 result, got {capacity}")
        self.capacity = capacity
        self._items: deque[Pending] = deque()
        self.dropped = 0
        """Results dropped because the buffer was full, since start."""

    def __len__(self) -> int:
        return len(self._items)

    def add(self, monitor: MonitorConfig, result: RunResult) -> Pending | None:
        """Append a result; when full, drop the oldest first and return it."""
        dropped = None
        if len(self._items) >= self.capacity:
            dropped = self._items.popleft()
            self.dropped += 1
        self._items.append(Pending(monitor, result))
        return dropped

    def oldest(self) -> Pending | None:
        return self._items[0] if self._items else None

    def pop_oldest(self) -> Pending:
        """Remove the oldest result (once it is written)."""
        return self._items.popleft()

    def items(self) -> list[Pending]:
        """Oldest first."""
        return list(self._items)
