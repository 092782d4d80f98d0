"""One run of one monitor: read both windows, check them, return a RunResult.

The runner does no writing; callers hand the result to the sinks (store,
exporter, reports, alerts). Any failure becomes a result with status ``error``
and a message; nothing escapes to stop the service.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from monitor.aggregate.run import AggregateRun
from monitor.checks.drift import ColumnPair, dataset_drift
from monitor.checks.performance import LabelledWindow, evaluate
from monitor.columns import (
    TypedColumn,
    canonical_label,
    distinct_count,
    float_array,
    infer_feature_type,
    type_columns,
)
from monitor.config.models import Metric, MonitorConfig, Task
from monitor.errors import DriftwardenError
from monitor.estimation import estimate_performance
from monitor.profile import ProfileCache, ReferenceProfile, profile_key, range_key
from monitor.result import MetricResult, Role, RunResult, RunStatus
from monitor.run_checks import RunChecks
from monitor.source import EngineCache, SourceSpec, SqlSource
from monitor.source.labels import LabelJoin, LabelSpec
from monitor.stats import FeatureType, StatTestRegistry, build_registry
from monitor.traffic import summarize as summarize_traffic
from monitor.windows import RunWindows, run_windows, window_end_for

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Runner:
    """Runs monitors; holds the engines, sources and reference profiles they reuse."""

    def __init__(
        self,
        *,
        engines: EngineCache | None = None,
        registry: StatTestRegistry | None = None,
        profiles: ProfileCache | None = None,
        clock: Clock = utcnow,
        statement_timeout: Callable[[MonitorConfig], timedelta | None] | None = None,
    ) -> None:
        self.engines = engines or EngineCache()
        self._statement_timeout = statement_timeout
        """The longest a source statement of a monitor may run on the server (the daemon
        gives its run timeout); None: the server's default."""
        self.registry = registry or build_registry()
        self.profiles = profiles or ProfileCache()
        self._clock = clock
        self._sources: dict[
            tuple[str, SourceSpec, str, str, LabelSpec | None, timedelta | None], SqlSource
        ] = {}

    def source(self, monitor: MonitorConfig, spec: SourceSpec) -> SqlSource:
        """The monitor's reader of ``spec`` (with its labels join when it has labels)."""
        labels = LabelSpec.of(monitor.labels) if monitor.labels is not None else None
        timeout = self._statement_timeout(monitor) if self._statement_timeout else None
        key = (monitor.source_url, spec, monitor.name, monitor.loader, labels, timeout)
        found = self._sources.get(key)
        if found is None:
            found = SqlSource(
                self.engines.get(monitor.source_url, statement_timeout=timeout),
                spec,
                monitor=monitor.name,
                loader=monitor.loader,
                labels=None if labels is None else LabelJoin(labels, monitor=monitor.name),
                statement_timeout=timeout,
            )
            self._sources[key] = found
        return found

    def run(self, monitor: MonitorConfig, window_end: datetime) -> RunResult:
        return self.run_with_data(monitor, window_end)[0]

    def run_with_data(
        self, monitor: MonitorConfig, window_end: datetime
    ) -> tuple[RunResult, RunData | None]:
        """The result, and the rows behind it when both windows could be read.

        ``window_end`` is aligned down to the monitor's schedule, so any instant
        within a tick's interval evaluates the same window.
        """
        started = self._clock()
        windows = run_windows(monitor, window_end_for(monitor, window_end))
        assert windows.current.end is not None
        base = RunResult(
            monitor=monitor.name,
            status=RunStatus.ERROR,
            window_end=windows.current.end,
            current=windows.current,
            reference=windows.reference,
            started_at=started,
            finished_at=started,
        )
        try:
            run = _Run(self, monitor, windows, as_of=started)
            return run.execute(base), run.data
        except DriftwardenError as exc:
            log.warning("%s", exc)
            message = str(exc)
        except Exception as exc:  # every failure becomes a recorded result
            log.exception("monitor %r: unexpected failure", monitor.name)
            message = f"monitor {monitor.name!r}: unexpected {type(exc).__name__}: {exc}"
        return dataclasses.replace(base, error=message, finished_at=self._clock()), None

    @property
    def clock(self) -> Clock:
        return self._clock


@dataclass(frozen=True)
class RunData:
    """The rows behind a run, for sinks that need them (the HTML report, the exporter).

    ``current`` also holds the monitor's ``latency_column`` when one is configured.
    """

    columns: tuple[tuple[str, FeatureType, Role], ...]
    reference: pd.DataFrame
    current: pd.DataFrame


class _Run:
    """The steps of one run, kept apart from the Runner's long-lived state."""

    def __init__(
        self, runner: Runner, monitor: MonitorConfig, windows: RunWindows, *, as_of: datetime
    ) -> None:
        self.runner = runner
        self.as_of = as_of
        """Labels known at this instant are used (the run's start)."""
        self.monitor = monitor
        self.windows = windows
        self.data: RunData | None = None
        self.current_source = runner.source(
            monitor, SourceSpec(monitor.table, monitor.query, monitor.timestamp_column)
        )
        ref = monitor.reference
        if ref.table is not None or ref.query is not None:
            self.reference_source = runner.source(
                monitor, SourceSpec(ref.table, ref.query, monitor.timestamp_column)
            )
        else:
            self.reference_source = self.current_source

    def execute(self, base: RunResult) -> RunResult:
        profile = self._reference_profile()
        if self.monitor.mode == "aggregate":
            counted = AggregateRun(
                self.monitor, self.windows, self.runner.registry, self.current_source, profile
            )
            return counted.execute(base, self._too_few_rows, self._labelled, self.runner.clock)
        kinds = [(name, col.feature_type) for name, col in profile.columns.items()]
        latency = [self.monitor.latency_column] if self.monitor.latency_column else []
        current_frame = self.current_source.read(
            self.windows.current,
            [*profile.columns, *self._role_columns(), *latency],
            as_of=self.as_of,
        )
        current = type_columns(current_frame, kinds, monitor=self.monitor.name, window="current")
        base = dataclasses.replace(
            base,
            rows_reference=profile.rows,
            rows_current=len(current_frame),
            traffic=summarize_traffic(self.monitor, profile.frame, current_frame),
            **self._label_counts(current_frame),
        )
        self.data = RunData(
            columns=tuple((n, k, profile.roles[n]) for n, k in kinds),
            reference=profile.frame,
            current=current_frame,
        )
        checks = RunChecks(self.monitor, self.windows, self.runner.registry)
        volume = checks.volume(profile.rows, len(current_frame))
        short = self._too_few_rows(profile.rows, len(current_frame))
        if short:
            return dataclasses.replace(
                base,
                status=RunStatus.INSUFFICIENT_DATA,
                error=short,
                quality=volume,
                finished_at=self.runner.clock(),
            )
        pairs = [
            ColumnPair(profile.columns[name], current[name], profile.roles[name])
            for name, _ in kinds
            if not self._skip_target(name, profile, current)
        ]
        columns = checks.drift(pairs)
        return dataclasses.replace(
            base,
            status=RunStatus.OK,
            columns=columns,
            metrics=self._performance(profile.frame, current_frame),
            estimated=estimate_performance(self.monitor, profile, current_frame, self._positive()),
            dataset_drift=dataset_drift(columns, self.monitor.drift.drift_share),
            quality=volume + checks.quality(pairs),
            multivariate=checks.multivariate(profile, current_frame, kinds),
            finished_at=self.runner.clock(),
        )

    def _label_counts(self, current: pd.DataFrame) -> dict[str, Any]:
        """Label coverage of the current window (any monitor with a target) and, with a
        labels table, the label rows known for it."""
        m = self.monitor
        if m.target is None:
            return {}
        labelled = int(current[m.target].notna().sum()) if len(current) else 0
        counts: dict[str, Any] = {
            "label_coverage": labelled / len(current) if len(current) else None
        }
        if m.labels is not None:
            counts["labels_known"] = self.current_source.count_labels(
                self.windows.current, self.as_of
            )
        return counts

    def _skip_target(
        self, name: str, profile: ReferenceProfile, current: dict[str, TypedColumn]
    ) -> bool:
        """Target drift is tested only when labels are present in both windows."""
        if profile.roles[name] is not Role.TARGET:
            return False
        return profile.columns[name].values.size == 0 or current[name].values.size == 0

    # -- reference ----------------------------------------------------------------

    def _role_columns(self) -> list[str]:
        m = self.monitor
        return [c for c in (m.prediction, m.prediction_score, m.target) if c is not None]

    def _role_kinds(self) -> list[tuple[str, FeatureType, Role]]:
        """Prediction, score and target are drift-tested like features, with their role."""
        m = self.monitor
        label_kind = FeatureType.NUMERICAL if m.task is Task.REGRESSION else FeatureType.CATEGORICAL
        out = []
        if m.prediction is not None:
            out.append((m.prediction, label_kind, Role.PREDICTION))
        if m.prediction_score is not None:
            out.append((m.prediction_score, FeatureType.NUMERICAL, Role.SCORE))
        if m.target is not None:
            out.append((m.target, label_kind, Role.TARGET))
        return out

    def _reference_profile(self) -> ReferenceProfile:
        m = self.monitor
        spec = self.reference_source.spec
        key = profile_key(
            source=m.source_url,
            table=spec.table,
            query=spec.query,
            timestamp=m.timestamp_column,
            window=range_key(self.windows.reference),
            numerical=m.numerical,
            categorical=m.categorical,
            exclude=m.exclude,
            roles=[(c, k.value, r.value) for c, k, r in self._role_kinds()],
            task=m.task.value if m.task else None,
            **({"labels": m.labels.model_dump(exclude={"label_lag"})} if m.labels else {}),
        )
        return self.runner.profiles.get_or_build(key, lambda: self._build_profile(key))

    def _build_profile(self, key: str) -> ReferenceProfile:
        m = self.monitor
        roles = self._role_columns()
        if m.numerical is not None and m.categorical is not None:
            features = [*m.numerical, *m.categorical]
        else:
            excluded = {
                *m.role_columns().values(),
                *(m.numerical or []),
                *(m.categorical or []),
                *m.exclude,
                *([m.labels.predictions_id] if m.labels is not None else []),
            }
            features = [
                *(m.numerical or []),
                *(m.categorical or []),
                *(c for c in self.reference_source.available_columns() if c not in excluded),
            ]
        frame = self.reference_source.read(
            self.windows.reference, [*features, *roles], as_of=self.as_of
        )
        kinds = [(c, k, Role.FEATURE) for c, k in self._feature_kinds(frame)]
        kinds += self._role_kinds()
        columns = type_columns(
            frame, [(c, k) for c, k, _ in kinds], monitor=m.name, window="reference"
        )
        for column in columns.values():
            column.sample.prepare()
        self._note_many_categories(columns)
        return ReferenceProfile(
            key=key,
            rows=len(frame),
            columns=columns,
            roles={c: r for c, _, r in kinds},
            frame=frame,
        )

    def _note_many_categories(self, columns: Mapping[str, TypedColumn]) -> None:
        """Declared categorical columns of high cardinality are tested (memory grows with
        their values) and exported as one series each; say so once per reference fit."""
        m = self.monitor
        for name in m.categorical or []:
            distinct = distinct_count(columns[name]) if name in columns else 0
            if distinct > m.max_categories:
                log.warning(
                    "monitor %r: categorical column %r has %d distinct values in the reference "
                    "(more than max_categories = %d); it is tested on its category counts and "
                    "exported as one series, not one per value",
                    m.name,
                    name,
                    distinct,
                    m.max_categories,
                )

    def _feature_kinds(self, frame: pd.DataFrame) -> list[tuple[str, FeatureType]]:
        m = self.monitor
        kinds = [(c, FeatureType.NUMERICAL) for c in m.numerical or []]
        kinds += [(c, FeatureType.CATEGORICAL) for c in m.categorical or []]
        declared = {c for c, _ in kinds} | set(self._role_columns())
        for column in frame.columns:
            if column in declared:
                continue
            inferred = infer_feature_type(frame[column])
            if inferred is FeatureType.NUMERICAL and m.numerical is None:
                kinds.append((column, inferred))
            elif inferred is FeatureType.CATEGORICAL and m.categorical is None:
                distinct = frame[column].nunique(dropna=True)
                if distinct > m.max_categories:
                    log.warning(
                        "monitor %r: column %r left out of inferred features: %d distinct "
                        "values (more than max_categories = %d); list it under 'categorical' "
                        "to test it anyway",
                        m.name,
                        column,
                        distinct,
                        m.max_categories,
                    )
                    continue
                kinds.append((column, inferred))
        return kinds

    def _too_few_rows(self, reference_rows: int, current_rows: int) -> str | None:
        need = self.monitor.min_rows
        short = []
        if reference_rows < need:
            short.append(
                f"reference window {self.windows.reference.describe()} has {reference_rows}"
            )
        if current_rows < need:
            short.append(f"current window {self.windows.current.describe()} has {current_rows}")
        if not short:
            return None
        return (
            f"monitor {self.monitor.name!r}: "
            + " and ".join(short)
            + f" row(s); at least min_rows = {need} are needed"
        )

    # -- performance --------------------------------------------------------------

    def _performance(
        self, reference: pd.DataFrame, current: pd.DataFrame
    ) -> tuple[MetricResult, ...]:
        m = self.monitor
        if not m.performance or m.task is None or m.target is None:
            return ()
        positive = self._positive()
        out = []
        for check in m.performance:
            needs_score = check.metric is Metric.ROC_AUC
            out.append(
                evaluate(
                    check,
                    m.task,
                    self._labelled(current, needs_score, "current"),
                    self._labelled(reference, needs_score, "reference"),
                    positive,
                )
            )
        return tuple(out)

    def _positive(self) -> str:
        return canonical_label(self.monitor.positive_label) or "1"

    def _labelled(self, frame: pd.DataFrame, needs_score: bool, window: str) -> LabelledWindow:
        m = self.monitor
        assert m.target is not None and m.task is not None
        column = m.prediction_score if needs_score else m.prediction
        assert column is not None
        regression = m.task is Task.REGRESSION
        target = _labels(frame[m.target], regression, m, m.target, window)
        other = _labels(frame[column], regression or needs_score, m, column, window)
        keep = _present(target) & _present(other)
        if needs_score:
            return LabelledWindow(target[keep], None, other[keep].astype(np.float64))
        return LabelledWindow(target[keep], other[keep], None)


def _labels(
    series: pd.Series, numeric: bool, monitor: MonitorConfig, column: str, window: str
) -> np.ndarray[Any, Any]:
    """Numbers (NaN when missing) for regression and scores, text labels otherwise."""
    if numeric:
        return float_array(series, column=column, monitor=monitor.name, window=window)
    return np.array([canonical_label(v) for v in series.tolist()], dtype=object)


def _present(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    if values.dtype == object:
        return np.array([v is not None for v in values], dtype=bool)
    present: np.ndarray[Any, Any] = ~np.isnan(values)
    return present


__all__ = ["RunData", "Runner", "utcnow"]
