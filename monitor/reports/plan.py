"""What the Evidently report of a run holds, decided without importing Evidently.

Every column driftwarden tested goes into Evidently's drift panels with the
same test and threshold: features into ``DataDriftPreset`` (so its dataset
drift share is driftwarden's), prediction, score and target as one
``ValueDrift`` each. A column whose test has no Evidently equivalent, or that
could not be tested, is left out of the panels and listed in the header.

Evidently accepts ``chisquare`` and ``z`` by name for categorical columns only,
although its own default rule applies them to numerical columns with few
distinct values — as driftwarden's does. Such a column is declared categorical
to Evidently; its float values are unchanged, so the counts and scores are too.
Performance panels are added when labels exist in both windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from monitor.columns import canonical_label
from monitor.config.models import MonitorConfig, Task
from monitor.reports.frames import present
from monitor.result import ColumnStatus, Role, RunResult
from monitor.stats import FeatureType, StatTestRegistry, UnknownStatTestError


@dataclass(frozen=True)
class DriftColumn:
    column: str
    feature_type: FeatureType
    role: Role
    method: str
    """driftwarden's name of the test."""
    evidently_method: str
    threshold: float
    evidently_type: FeatureType
    """The type Evidently is told (categorical for a numerical column under a
    categorical-only test)."""


@dataclass(frozen=True)
class PerformancePlan:
    task: Task
    target: str
    prediction: str | None
    """Predicted labels (or values, for regression)."""
    score: str | None
    """Predicted probability of the positive class (binary classification)."""
    positive_label: str | int
    """The positive class as text (as driftwarden compares labels), or as an integer
    when every label is a whole number (see ``integer_labels``)."""


@dataclass(frozen=True)
class ReportPlan:
    features: tuple[DriftColumn, ...]
    roles: tuple[DriftColumn, ...]
    left_out: tuple[tuple[str, str], ...]
    """Tested or configured columns missing from Evidently's panels, with the reason."""
    drift_share: float
    performance: PerformancePlan | None
    performance_note: str | None
    """Why there are no performance panels, when the monitor has a task."""
    numerical: tuple[str, ...]
    categorical: tuple[str, ...]
    """Column types as declared to Evidently."""

    @property
    def retyped(self) -> tuple[str, ...]:
        """Numerical columns declared categorical to Evidently (see the module doc)."""
        return tuple(c.column for c in self.drift_columns if c.evidently_type != c.feature_type)

    @property
    def drift_columns(self) -> tuple[DriftColumn, ...]:
        return self.features + self.roles

    def without_performance(self, reason: str) -> ReportPlan:
        return ReportPlan(
            features=self.features,
            roles=self.roles,
            left_out=self.left_out,
            drift_share=self.drift_share,
            performance=None,
            performance_note=reason,
            numerical=self.numerical,
            categorical=self.categorical,
        )


def plan_report(
    monitor: MonitorConfig,
    result: RunResult,
    kinds: Sequence[tuple[str, FeatureType, Role]],
    reference: pd.DataFrame,
    current: pd.DataFrame,
    registry: StatTestRegistry,
) -> ReportPlan:
    """The plan for ``result``; ``reference``/``current`` are the typed frames."""
    kind_of = {name: kind for name, kind, _ in kinds}
    features: list[DriftColumn] = []
    roles: list[DriftColumn] = []
    left_out: list[tuple[str, str]] = []
    for row in result.columns:
        if row.status is not ColumnStatus.OK or row.method is None or row.threshold is None:
            left_out.append((row.column, f"not tested ({row.status.value})"))
            continue
        try:
            test = registry.get(row.method)
        except UnknownStatTestError:
            test = None
        if test is None or test.evidently_name is None:
            left_out.append((row.column, f"test {row.method!r} has no Evidently equivalent"))
            continue
        kind = kind_of[row.column]
        planned = DriftColumn(
            column=row.column,
            feature_type=kind,
            role=row.role,
            method=row.method,
            evidently_method=test.evidently_name,
            threshold=row.threshold,
            evidently_type=kind if kind in test.feature_types else FeatureType.CATEGORICAL,
        )
        (features if row.role is Role.FEATURE else roles).append(planned)
    performance, note = _performance(monitor, reference, current)
    declared = {name: kind for name, kind, _ in kinds}
    declared.update({c.column: c.evidently_type for c in (*features, *roles)})
    return ReportPlan(
        features=tuple(features),
        roles=tuple(roles),
        left_out=tuple(left_out),
        drift_share=monitor.drift.drift_share,
        performance=performance,
        performance_note=note,
        numerical=tuple(n for n, k in declared.items() if k is FeatureType.NUMERICAL),
        categorical=tuple(n for n, k in declared.items() if k is FeatureType.CATEGORICAL),
    )


def _performance(
    monitor: MonitorConfig, reference: pd.DataFrame, current: pd.DataFrame
) -> tuple[PerformancePlan | None, str | None]:
    if monitor.task is None or monitor.target is None:
        return None, None
    target = monitor.target
    score = monitor.prediction_score if monitor.task is Task.BINARY else None
    if monitor.prediction is None and score is None:
        return None, "no prediction column is configured"
    if monitor.task is Task.REGRESSION and monitor.prediction is None:
        return None, "no prediction column is configured"
    empty = [
        name
        for name, frame in (("reference", reference), ("current", current))
        if present(frame, target) == 0
    ]
    if empty:
        return None, f"no labels in the {' and '.join(empty)} window"
    return (
        PerformancePlan(
            task=monitor.task,
            target=target,
            prediction=monitor.prediction,
            score=score,
            positive_label=canonical_label(monitor.positive_label) or "1",
        ),
        None,
    )
