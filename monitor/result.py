"""The typed record of one run; the store, gauges, alerts and report all read it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from monitor.traffic import TrafficSummary
from monitor.windows import TimeRange


class RunStatus(StrEnum):
    OK = "ok"
    INSUFFICIENT_DATA = "insufficient_data"
    ERROR = "error"


class ColumnStatus(StrEnum):
    OK = "ok"
    INSUFFICIENT_DATA = "insufficient_data"
    """Too few non-missing values in a window to test."""
    UNDEFINED = "undefined"
    """The column's test has no score on these windows (e.g. Fisher's exact test on
    a column with more than two values); no verdict. The test's note says when."""


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
    p_value_adjusted: float | None = None
    """The p-value after the monitor's multiple-testing correction (None when no
    correction applies); ``drifted`` then follows it, ``score`` keeps the raw p-value."""
    correction: str | None = None
    """The correction behind ``p_value_adjusted`` (``bonferroni`` or ``fdr_bh``)."""
    effect_method: str | None = None
    """The distance of the effect-size guard, for p-value tests when one is configured."""
    effect_size: float | None = None
    effect_threshold: float | None = None
    """The distance the guard asks for; a p-value verdict of drift stands only when
    ``effect_size`` also reaches it."""


class CheckStatus(StrEnum):
    OK = "ok"
    BREACHED = "breached"
    """The value is outside its bounds."""
    INSUFFICIENT_DATA = "insufficient_data"
    """The value is not defined on this window (e.g. no values to take a share of)."""


class QualityCheck(StrEnum):
    MISSING_SHARE = "missing_share"
    """Share of a column's rows that are missing; ``reference_value`` holds the reference's."""
    UNSEEN_SHARE = "unseen_share"
    """Share of a categorical column's current values never seen in the reference."""
    OUT_OF_RANGE_SHARE = "out_of_range_share"
    """Share of a numerical column's current values outside the reference's [min, max]."""
    ROW_COUNT = "row_count"
    """Rows in the current window (no column)."""
    ROW_RATE = "row_rate"
    """Rows per hour in the current window; ``reference_value`` holds the reference's."""


@dataclass(frozen=True)
class QualityResult:
    """One data-quality measurement with its bounds (``None`` bounds: not checked)."""

    check: QualityCheck
    column: str | None
    """None for the window-level checks (row count and rate)."""
    value: float | None
    reference_value: float | None
    lower_bound: float | None
    upper_bound: float | None
    status: CheckStatus


@dataclass(frozen=True)
class MultivariateResult:
    """Drift of the feature columns taken together, by one method."""

    method: str
    score: float | None
    """Mean reconstruction error (``pca_reconstruction``) or ROC AUC (``domain_classifier``)."""
    lower_threshold: float | None
    upper_threshold: float | None
    detected: bool | None
    """Score outside (``pca_reconstruction``) or above (``domain_classifier``) its
    thresholds; None when not computed (see ``status`` and ``message``)."""
    status: ColumnStatus
    rows_reference: int
    """Reference rows used (after sampling)."""
    rows_current: int
    columns: int
    """Feature columns used."""
    components: int | None = None
    """Principal components kept (``pca_reconstruction`` only)."""
    message: str | None = None


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
    estimated: tuple[MetricResult, ...] = ()
    """Performance estimated without labels (CBPE), one per ``[[monitors.estimated]]``."""
    dataset_drift: DatasetDrift | None = None
    quality: tuple[QualityResult, ...] = ()
    multivariate: tuple[MultivariateResult, ...] = ()
    error: str | None = None
    run_id: int | None = None
    report_path: str | None = None
    """The HTML report, relative to the reports folder (set once it is written)."""
    report_error: str | None = None
    """Why the HTML report could not be built or written."""
    traffic: TrafficSummary | None = None
    """Spread of the predictions and serving latency in the current window."""
    label_coverage: float | None = None
    """Share (0-1) of the current window's predictions with a known label (monitors
    with a target; None otherwise or for an empty window)."""
    labels_known: int | None = None
    """Label rows (corrections included) known for the window's predictions when it
    ran; a re-evaluation is due when this count has changed."""
    reevaluates: int | None = None
    """For a re-evaluation of a past window as labels arrived: the run id of the
    window's previous evaluation (None for a first evaluation)."""
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
                    "p_value_adjusted": _number(c.p_value_adjusted),
                    "correction": c.correction,
                    "effect": None
                    if c.effect_method is None
                    else {
                        "method": c.effect_method,
                        "size": _number(c.effect_size),
                        "threshold": c.effect_threshold,
                    },
                }
                for c in self.columns
            ],
            "quality": [
                {
                    "check": q.check.value,
                    "column": q.column,
                    "value": _number(q.value),
                    "reference_value": _number(q.reference_value),
                    "lower_bound": _number(q.lower_bound),
                    "upper_bound": _number(q.upper_bound),
                    "status": q.status.value,
                }
                for q in self.quality
            ],
            "multivariate": [
                {
                    "method": v.method,
                    "score": _number(v.score),
                    "lower_threshold": _number(v.lower_threshold),
                    "upper_threshold": _number(v.upper_threshold),
                    "detected": v.detected,
                    "status": v.status.value,
                    "rows": {"reference": v.rows_reference, "current": v.rows_current},
                    "columns": v.columns,
                    "components": v.components,
                    "message": v.message,
                }
                for v in self.multivariate
            ],
            "metrics": [_metric_json(m) for m in self.metrics],
            "estimated_metrics": [_metric_json(m) for m in self.estimated],
            "traffic": None if self.traffic is None else self.traffic.to_json(),
            "labels": {
                "coverage": _number(self.label_coverage),
                "known": self.labels_known,
                "reevaluates": self.reevaluates,
            },
            "error": self.error,
            "started_at": self.started_at.isoformat(),
            "duration_seconds": round(self.duration_seconds, 6),
        }


def _metric_json(m: MetricResult) -> dict[str, Any]:
    return {
        "metric": m.metric,
        "value": _number(m.value),
        "reference_value": _number(m.reference_value),
        "lower_bound": m.lower_bound,
        "upper_bound": m.upper_bound,
        "status": m.status.value,
        "rows": m.rows,
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
