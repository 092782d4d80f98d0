"""The drift, data-quality and multivariate checks of one run.

The checks themselves are pure functions (:mod:`monitor.checks`); this module
applies them to a run's columns with the monitor's options, and turns any
unexpected failure inside one into a :class:`DataError` naming the monitor and
the check and column, so the run is recorded as an error that says where.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

import pandas as pd

from monitor.checks.drift import ColumnPair, column_drift, correct
from monitor.checks.multivariate import METHODS as MULTIVARIATE_METHODS
from monitor.checks.quality import QUALITY_ROLES, column_quality, window_quality
from monitor.columns import feature_table
from monitor.config.models import MonitorConfig
from monitor.errors import DataError, DriftwardenError
from monitor.profile import ReferenceProfile
from monitor.result import ColumnResult, MultivariateResult, QualityResult, Role
from monitor.stats import FeatureType, StatTestRegistry
from monitor.windows import RunWindows

log = logging.getLogger(__name__)

T = TypeVar("T")


class RunChecks:
    """The checks of one monitor's run, configured by its ``drift``, ``quality``
    and ``multivariate`` options."""

    def __init__(
        self, monitor: MonitorConfig, windows: RunWindows, registry: StatTestRegistry
    ) -> None:
        self.monitor = monitor
        self.windows = windows
        self.registry = registry

    def drift(self, pairs: Sequence[ColumnPair]) -> tuple[ColumnResult, ...]:
        """Each column's drift, then the monitor's multiple-testing correction."""
        drift, registry = self.monitor.drift, self.registry
        tested = self._per_column("drift test", pairs, lambda p: [column_drift(p, drift, registry)])
        return correct(tested, drift.correction, registry)

    @contextmanager
    def _failing(self, what: str) -> Iterator[None]:
        """Any unexpected failure inside becomes a DataError naming the monitor and ``what``."""
        try:
            yield
        except DriftwardenError:
            raise
        except Exception as exc:
            log.exception("monitor %r: %s failed", self.monitor.name, what)
            raise DataError(
                f"monitor {self.monitor.name!r}: {what} failed: {type(exc).__name__}: {exc}"
            ) from exc

    def _per_column(
        self, what: str, pairs: Sequence[ColumnPair], check: Callable[[ColumnPair], Iterable[T]]
    ) -> tuple[T, ...]:
        out: list[T] = []
        for pair in pairs:
            with self._failing(f"{what} of column {pair.reference.name!r}"):
                out.extend(check(pair))
        return tuple(out)

    def quality(self, pairs: Sequence[ColumnPair]) -> tuple[QualityResult, ...]:
        """The column checks of every feature, prediction and score column."""
        config = self.monitor.quality
        if not config.enabled:
            return ()
        checked = [p for p in pairs if p.role in QUALITY_ROLES]
        return self._per_column("quality check", checked, lambda p: column_quality(p, config))

    def volume(self, rows_reference: int, rows_current: int) -> tuple[QualityResult, ...]:
        """The window checks (row count and rate); these run even on a window too
        small to test."""
        config = self.monitor.quality
        if not config.enabled:
            return ()
        ref, cur = self.windows.reference, self.windows.current
        assert cur.start is not None and cur.end is not None
        span = ref.end - ref.start if ref.start is not None and ref.end is not None else None
        with self._failing("row count check"):
            return window_quality(rows_current, cur.end - cur.start, rows_reference, span, config)

    def multivariate(
        self,
        profile: ReferenceProfile,
        current_frame: pd.DataFrame,
        kinds: Sequence[tuple[str, FeatureType]],
    ) -> tuple[MultivariateResult, ...]:
        """The configured multivariate methods on samples of the feature columns."""
        config, name = self.monitor.multivariate, self.monitor.name
        if not config.enabled:
            return ()
        features = [(c, k) for c, k in kinds if profile.roles[c] is Role.FEATURE]
        if config.columns is not None:
            known = dict(features)
            unknown = [c for c in config.columns if c not in known]
            if unknown:
                raise DataError(
                    f"monitor {name!r}: multivariate.columns {unknown} are not feature columns "
                    f"of the monitor; its feature columns are {sorted(known)}"
                )
            features = [(c, known[c]) for c in config.columns]
        reference, current = (
            feature_table(
                frame, features, max_rows=config.max_rows, seed=config.seed, monitor=name, window=w
            )
            for frame, w in ((profile.frame, "reference"), (current_frame, "current"))
        )
        out = []
        for method in config.methods:
            with self._failing(f"multivariate drift check {method.value!r}"):
                out.append(MULTIVARIATE_METHODS[method](reference, current, config))
        return tuple(out)
