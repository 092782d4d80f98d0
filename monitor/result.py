"""The typed record of one run; the store, gauges, alerts and report all read it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from monitor.windows import TimeRange


class RunStatus(StrEnum):
    OK = "ok"
    INSUFFICIENT_DATA = "insufficient_data"
    ERROR = "error"


class ColumnStatus(StrEnum):
    OK = "ok"
    INSUFFICIENT_DATA = "insufficient_data"
    """Too few non-missing values in a window to test."""


class MetricStatus(StrEnum):
    OK = "ok"
    BREACHED = "breached"
    """The value is outside its bounds."""
    NO_LABELS = "no_labels"
    """The current window has no labelled rows (yet)."""
    UNDEFINED = "undefined"
    """The metric is not defined on this window (e.g. ROC AUC with a single class)."""


class Role(StrEnum):
    FEATURE = "feature"
    PREDICTION = "prediction"
    SCORE = "score"
    TARGET = "target"


@dataclass(frozen=True)
class ColumnResult:
    column: str
    role: Role
    feature_type: str
    method: str | None
    score_kind: str | None
    score: float | None
    threshold: float | None
    drifted: bool | None
    """None when the column could not be tested (see ``status``)."""
    status: ColumnStatus
    rows_reference: int
    rows_current: int
    missing_reference: int
    missing_current: int


@dataclass(frozen=True)
class MetricResult:
    metric: str
    value: float | None
    reference_value: float | None
    lower_bound: float | None
    upper_bound: float | None
    status: MetricStatus
    rows: int
    """Labelled rows the value was computed on."""


@dataclass(frozen=True)
class DatasetDrift:
    share: float
    """Drifted features over tested features (0 when none could be tested)."""
    threshold: float
    detected: bool
    drifted_columns: int
    tested_columns: int


@dataclass(frozen=True)
class RunResult:
    monitor: str
    status: RunStatus
    window_end: datetime
    current: TimeRange
    reference: TimeRange
    started_at: datetime
    finished_at: datetime
    rows_reference: int | None = None
    rows_current: int | None = None
    columns: tuple[ColumnResult, ...] = ()
    metrics: tuple[MetricResult, ...] = ()
    dataset_drift: DatasetDrift | None = None
    error: str | None = None
    run_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def drifted_columns(self) -> list[str]:
        return [c.column for c in self.columns if c.drifted]

    def to_json(self) -> dict[str, Any]:
        """The JSON object ``driftwarden run --format json`` prints."""
        return {
            "monitor": self.monitor,
            "run_id": self.run_id,
            "status": self.status.value,
            "windows": {
                "current": _range_json(self.current),
                "reference": _range_json(self.reference),
            },
            "rows": {"reference": self.rows_reference, "current": self.rows_current},
            "dataset_drift": None
            if self.dataset_drift is None
            else {
                "share": self.dataset_drift.share,
                "threshold": self.dataset_drift.threshold,
                "detected": self.dataset_drift.detected,
                "drifted_columns": self.dataset_drift.drifted_columns,
                "tested_columns": self.dataset_drift.tested_columns,
            },
            "columns": [
                {
                    "column": c.column,
                    "role": c.role.value,
                    "type": c.feature_type,
                    "method": c.method,
                    "score": _number(c.score),
                    "threshold": c.threshold,
                    "drifted": c.drifted,
                    "status": c.status.value,
                    "missing": {"reference": c.missing_reference, "current": c.missing_current},
                }
                for c in self.columns
            ],
            "metrics": [
                {
                    "metric": m.metric,
                    "value": _number(m.value),
                    "reference_value": _number(m.reference_value),
                    "lower_bound": m.lower_bound,
                    "upper_bound": m.upper_bound,
                    "status": m.status.value,
                    "rows": m.rows,
                }
                for m in self.metrics
            ],
            "error": self.error,
            "started_at": self.started_at.isoformat(),
            "duration_seconds": round(self.duration_seconds, 6),
        }


def _range_json(window: TimeRange) -> dict[str, str | None]:
    return {
        "start": window.start.isoformat() if window.start else None,
        "end": window.end.isoformat() if window.end else None,
    }


def _number(value: float | None) -> float | None:
    """JSON has no NaN or infinity; such scores are written as null."""
    if value is None or not math.isfinite(value):
        return None
    return value
