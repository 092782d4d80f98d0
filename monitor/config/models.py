"""The shape of ``config.toml``, validated once at start.

Every model forbids unknown keys, so a misspelt option is an error rather than
a silently ignored line.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, Self

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from monitor.config.aggregate import AggregateConfig, Mode
from monitor.config.alerts import AlertingConfig, MonitorAlerts
from monitor.config.base import Strict
from monitor.config.checks import MultivariateConfig, QualityConfig
from monitor.config.drift import ColumnDrift, Correction, DriftConfig, EffectGuard
from monitor.config.estimated import EstimatedCheck, check_estimated
from monitor.config.fields import (
    Duration,
    Name,
    SelectQuery,
    Timestamp,
    duration_value,
    utc_timestamp,
)
from monitor.config.labels import LabelsConfig, check_labels, labels_target
from monitor.config.service import (
    DEFAULT_TOKEN_ENV,
    MAX_DEFAULT_RUN_TIMEOUT,
    ServiceConfig,
    parse_listen,
)
from monitor.config.urls import check_database_url
from monitor.config.windows import CurrentWindow, ReferenceWindow
from monitor.schedule import Schedule

__all__ = [
    "CLASSIFICATION_METRICS",
    "DEFAULT_TOKEN_ENV",
    "MAX_DEFAULT_RUN_TIMEOUT",
    "REGRESSION_METRICS",
    "ColumnDrift",
    "Config",
    "Correction",
    "CurrentWindow",
    "DriftConfig",
    "Duration",
    "EffectGuard",
    "Metric",
    "MonitorConfig",
    "Name",
    "PerformanceCheck",
    "ReferenceWindow",
    "ReportConfig",
    "ServiceConfig",
    "Task",
    "Timestamp",
    "duration_value",
    "parse_listen",
    "utc_timestamp",
]


class Task(StrEnum):
    BINARY = "binary_classification"
    MULTICLASS = "multiclass_classification"
    REGRESSION = "regression"


class ReportConfig(Strict):
    """``[monitors.report]``: the HTML report written after each run with data."""

    enabled: bool = True
    """Write a report after each run (``driftwarden run --no-report`` skips it for one call)."""
    keep_days: int | None = Field(default=30, ge=1)
    """Remove reports whose window ended more than this many days ago (None: no age limit)."""
    keep_last: int | None = Field(default=100, ge=1)
    """Keep at most this many reports of the monitor, newest first (None: no count limit).

    Both limits apply; the newest report is never removed."""
    sample_rows: int | None = Field(default=50_000, ge=100)
    """Rows per window the report's Evidently panels are computed on; larger windows are
    sampled reproducibly (fixed seed). None: always all rows. Gauges, stored results and
    alerts always use all rows."""


class Metric(StrEnum):
    ACCURACY = "accuracy"
    PRECISION = "precision"
    RECALL = "recall"
    F1 = "f1"
    ROC_AUC = "roc_auc"
    MAE = "mae"
    RMSE = "rmse"
    MAPE = "mape"
    R2 = "r2"


CLASSIFICATION_METRICS = frozenset(
    {Metric.ACCURACY, Metric.PRECISION, Metric.RECALL, Metric.F1, Metric.ROC_AUC}
)
REGRESSION_METRICS = frozenset({Metric.MAE, Metric.RMSE, Metric.MAPE, Metric.R2})


class PerformanceCheck(Strict):
    metric: Metric
    min: float | None = None
    max: float | None = None
    max_drop: float | None = Field(default=None, ge=0)
    """Allowed fall below the reference window's value, in the metric's units."""
    max_rise: float | None = Field(default=None, ge=0)
    """Allowed rise above the reference window's value, in the metric's units."""
    average: Literal["weighted", "macro", "micro"] = "weighted"
    """How per-class scores combine for multiclass precision, recall and f1."""

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"'min' ({self.min}) is above 'max' ({self.max})")
        return self


class MonitorConfig(Strict):
    name: Name
    source_url: str = Field(min_length=1)
    table: str | None = None
    query: SelectQuery | None = None
    timestamp_column: str = Field(min_length=1)
    numerical: list[str] | None = None
    categorical: list[str] | None = None
    prediction: str | None = None
    prediction_score: str | None = None
    target: str | None = None
    task: Task | None = None
    loader: Literal["auto", "arrow", "sqlalchemy"] = "auto"
    """How rows are fetched: Arrow (ADBC, PostgreSQL) when installed, else row by row."""
    mode: Mode = "rows"
    """``aggregate``: the database counts the current window (see monitor.config.aggregate)."""
    aggregate: AggregateConfig = Field(default_factory=AggregateConfig)
    exclude: list[str] = Field(default_factory=list)
    """Columns never to infer as features (ids, free text) when a feature list is omitted."""
    max_categories: int = Field(default=1000, ge=2)
    """Inferred categorical columns with more distinct values are left out (likely ids)."""
    positive_label: str | int | bool = 1
    schedule: str = "every 15m"
    current: CurrentWindow
    reference: ReferenceWindow
    min_rows: int = Field(default=10, ge=1)
    """A window with fewer rows than this ends as ``insufficient_data``."""
    drift: DriftConfig = Field(default_factory=DriftConfig)
    performance: list[PerformanceCheck] = Field(default_factory=list)
    estimated: list[EstimatedCheck] = Field(default_factory=list)
    quality: QualityConfig = Field(default_factory=QualityConfig)
    multivariate: MultivariateConfig = Field(default_factory=MultivariateConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    labels: LabelsConfig | None = None
    """``[monitors.labels]``: labels in their own table (see :mod:`monitor.config.labels`)."""
    alerts: MonitorAlerts = Field(default_factory=MonitorAlerts)
    """``[monitors.alerts]``: which alerts the monitor raises (see :mod:`monitor.config.alerts`)."""

    latency_column: str | None = None
    """Column holding each prediction's serving latency; its 0.5/0.95/0.99 quantiles over
    the current window are exported as ``driftwarden_prediction_latency_seconds``."""
    latency_unit: Literal["s", "ms", "us"] = "s"
    """Unit of ``latency_column`` (converted to seconds for export)."""

    _source_url = field_validator("source_url")(check_database_url)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if value in (".", ".."):
            raise ValueError(f"{value!r} cannot be a monitor name (it names a folder of reports)")
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        Schedule.parse(value)
        return value

    _labels_target = model_validator(mode="before")(labels_target)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of 'table' or 'query'")
        if self.labels is not None:
            features = [*(self.numerical or []), *(self.categorical or [])]
            check_labels(
                self.labels,
                timestamp_column=self.timestamp_column,
                features=features,
                roles=self.role_columns(),
            )
        self._check_roles()
        self._check_performance()
        check_estimated(self)
        self._check_multivariate()
        return self

    def _check_multivariate(self) -> None:
        wanted = self.multivariate.columns
        if wanted is None:
            return
        for role, column in self.role_columns().items():
            if column in wanted:
                raise ValueError(
                    f"field 'multivariate.columns': {column!r} is the {role} column; "
                    "expected feature columns only"
                )
        if self.numerical is not None and self.categorical is not None:
            features = {*self.numerical, *self.categorical}
            unknown = [c for c in wanted if c not in features]
            if unknown:
                raise ValueError(
                    f"field 'multivariate.columns': {unknown} are not listed under 'numerical' or "
                    "'categorical'"
                )

    def _check_roles(self) -> None:
        numerical = self.numerical or []
        categorical = self.categorical or []
        both = sorted(set(numerical) & set(categorical))
        if both:
            raise ValueError(f"column(s) {both} listed as both numerical and categorical")
        for role, column in self.role_columns().items():
            if column in numerical or column in categorical:
                raise ValueError(
                    f"column {column!r} is the {role} column and cannot also be a feature"
                )
        for kind, columns in (("numerical", numerical), ("categorical", categorical)):
            duplicates = sorted({c for c in columns if columns.count(c) > 1})
            if duplicates:
                raise ValueError(f"column(s) {duplicates} listed twice in '{kind}'")

    def _check_performance(self) -> None:
        if not self.performance:
            return
        if self.task is None:
            raise ValueError("'performance' checks need 'task' to be set")
        if self.target is None:
            raise ValueError("'performance' checks need a 'target' column")
        allowed = REGRESSION_METRICS if self.task is Task.REGRESSION else CLASSIFICATION_METRICS
        for check in self.performance:
            if check.metric not in allowed:
                raise ValueError(
                    f"metric {check.metric.value!r} does not apply to {self.task.value}; "
                    f"expected one of: {', '.join(sorted(m.value for m in allowed))}"
                )
            if check.metric is Metric.ROC_AUC:
                if self.task is not Task.BINARY:
                    raise ValueError("metric 'roc_auc' needs task = 'binary_classification'")
                if self.prediction_score is None:
                    raise ValueError("metric 'roc_auc' needs a 'prediction_score' column")
            elif self.prediction is None:
                raise ValueError(f"metric {check.metric.value!r} needs a 'prediction' column")

    def role_columns(self) -> dict[str, str]:
        """Columns with a role other than feature, by role."""
        roles = {
            "timestamp": self.timestamp_column,
            "prediction": self.prediction,
            "prediction_score": self.prediction_score,
            "target": self.target,
            "latency": self.latency_column,
        }
        return {role: column for role, column in roles.items() if column is not None}

    @property
    def parsed_schedule(self) -> Schedule:
        return Schedule.parse(self.schedule)


class Config(Strict):
    service: ServiceConfig = Field(default_factory=ServiceConfig)
    alerting: AlertingConfig = Field(default_factory=AlertingConfig)
    monitors: list[MonitorConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        names = [m.name for m in self.monitors]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"monitor names must be unique; repeated: {duplicates}")
        return self

    def monitor(self, name: str) -> MonitorConfig:
        for monitor in self.monitors:
            if monitor.name == name:
                return monitor
        known = ", ".join(m.name for m in self.monitors) or "(none)"
        raise KeyError(f"no monitor named {name!r}; configured monitors: {known}")
