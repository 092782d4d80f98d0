"""The reference side of a monitor, computed once per reference definition.

A fixed reference window does not change between runs, so its typed columns
(and anything derived from them) are kept and reused, keyed by a hash of
everything that defines them: source, table or query, window and columns.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import pandas as pd

from monitor.columns import TypedColumn
from monitor.result import Role
from monitor.windows import TimeRange

T = TypeVar("T")


@dataclass(frozen=True)
class ReferenceProfile:
    key: str
    rows: int
    columns: dict[str, TypedColumn]
    """Typed values of every tested column: features, then prediction, score and target."""
    roles: dict[str, Role]
    frame: pd.DataFrame
    """The raw reference rows (for metrics and the report)."""
    _fitted: dict[Hashable, Any] = field(default_factory=dict, repr=False, compare=False)

    def fitted(self, key: Hashable, fit: Callable[[], T]) -> T:
        """What ``fit`` returns, computed once per profile and ``key`` (e.g. a calibration
        of the reference's scores): it lives and is dropped with the profile."""
        if key not in self._fitted:
            self._fitted.setdefault(key, fit())
        return cast(T, self._fitted[key])


def profile_key(**parts: Any) -> str:
    """A stable hash of the reference definition."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def range_key(window: TimeRange) -> list[str | None]:
    return [
        window.start.isoformat() if window.start else None,
        window.end.isoformat() if window.end else None,
    ]


class ProfileCache:
    """A small LRU of reference profiles."""

    def __init__(self, capacity: int = 64) -> None:
        self._capacity = capacity
        self._items: OrderedDict[str, ReferenceProfile] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def capacity(self) -> int:
        return self._capacity

    def resize(self, capacity: int) -> None:
        """Keep at most ``capacity`` profiles (the least recently used go first)."""
        with self._lock:
            self._capacity = max(1, capacity)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)

    def get_or_build(self, key: str, build: Callable[[], ReferenceProfile]) -> ReferenceProfile:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found
        profile = build()
        with self._lock:
            self.misses += 1
            self._items[key] = profile
            self._items.move_to_end(key)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return profile
