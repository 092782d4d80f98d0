"""The shape of ``config.toml``, validated once at start.

Every model forbids unknown keys, so a misspelt option is an error rather than
a silently ignored line.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from monitor.config.aggregate import AggregateConfig, Mode
from monitor.config.alerts import AlertingConfig, MonitorAlerts
from monitor.config.base import Strict
from monitor.config.checks import MultivariateConfig, QualityConfig
from monitor.config.estimated import EstimatedCheck, check_estimated
from monitor.config.labels import LabelsConfig, check_labels, labels_target
from monitor.config.replicas import (
    DEFAULT_LEADER_CHECK,
    DEFAULT_LEADER_LOCK_KEY,
    check_leader_check,
)
from monitor.config.urls import check_database_url, check_http_url
from monitor.durations import parse_duration
from monitor.readonly import check_select
from monitor.schedule import Schedule


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a duration string such as '15m', '1h' or '7d'")
    return parse_duration(value)


def _timestamp(value: datetime) -> datetime:
    """Timestamps without a zone are read as UTC; all are kept in UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"timestamp {value.isoformat()} is out of range in UTC") from None


Duration = Annotated[timedelta, Field(json_schema_extra={"format": "duration"})]
Timestamp = Annotated[datetime, AfterValidator(_timestamp)]
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.\-]+$")]


class Task(StrEnum):
    BINARY = "binary_classification"
    MULTICLASS = "multiclass_classification"
    REGRESSION = "regression"


DEFAULT_TOKEN_ENV = "DRIFTWARDEN_API_TOKEN"
MAX_DEFAULT_RUN_TIMEOUT = timedelta(minutes=10)


class ServiceConfig(Strict):
    """The ``[service]`` table: where results live and how ``driftwarden serve`` runs."""

    store_url: str = "sqlite:///driftwarden.db"
    """The results database (SQLite or PostgreSQL URL)."""
    reports_dir: str = "reports"
    """Folder of the HTML reports (relative paths start at the working directory)."""
    public_url: str | None = None
    """Base URL under which people reach this service, e.g. ``https://driftwarden.example.com``.

    Links in alerts and the API (``report_url``) start with it; without it they are
    paths only (``/reports/<monitor>/<file>.html``)."""
    listen: str = "127.0.0.1:8000"
    """``host:port`` (``[v6address]:port`` for IPv6) the HTTP API and ``/metrics`` listen on."""
    api_token: SecretStr | None = None
    """Bearer token required by the write endpoints (``POST /api/...``). When unset, the
    environment variable named by ``api_token_env`` is used; when neither is set the
    write endpoints are open (only sensible on a loopback ``listen`` address)."""
    api_token_env: str = Field(default=DEFAULT_TOKEN_ENV, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """Environment variable read for the token when ``api_token`` is not set."""
    run_timeout: timedelta | None = None
    """Longest a run may take (reading and checking); a run past it is recorded as
    ``error``. Default: half the monitor's schedule interval, at most 10 minutes."""
    workers: int = Field(default=4, ge=1, le=64)
    """Runs of different monitors executed at the same time (one run per monitor at most)."""
    shutdown_grace: timedelta = timedelta(seconds=30)
    """On SIGTERM/SIGINT, how long running runs may take to finish before they are
    recorded as cut short and the service exits."""
    leader_check: timedelta = DEFAULT_LEADER_CHECK
    """With a PostgreSQL results database: how often each replica checks the leader lock
    (the leader that it still holds it, a standby whether it can take it)."""
    leader_lock_key: int = Field(default=DEFAULT_LEADER_LOCK_KEY, ge=-(2**63), le=2**63 - 1)
    """The PostgreSQL advisory lock key shared by the replicas of one deployment."""

    store_buffer: int = Field(default=1000, ge=1, le=1_000_000)
    """Run results kept in memory while the results database does not answer (oldest
    dropped first when full); they are written, in order, when it answers again."""
    store_retry: timedelta = timedelta(seconds=5)
    """How often buffered results are tried again while the results database is down."""

    _parse = field_validator(
        "run_timeout", "shutdown_grace", "store_retry", "leader_check", mode="before"
    )(_duration)
    _leader_check = field_validator("leader_check")(check_leader_check)
    _store_url = field_validator("store_url")(check_database_url)

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        parse_listen(value)
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return check_http_url(value, "service as people reach it")

    @property
    def host(self) -> str:
        return parse_listen(self.listen)[0]

    @property
    def port(self) -> int:
        return parse_listen(self.listen)[1]

    def token(self, environ: Mapping[str, str]) -> str | None:
        """The API token: ``api_token``, else the ``api_token_env`` variable, else None."""
        if self.api_token is not None and self.api_token.get_secret_value():
            return self.api_token.get_secret_value()
        return environ.get(self.api_token_env) or None

    def run_timeout_for(self, monitor: MonitorConfig) -> timedelta:
        """The timeout of one run of ``monitor``."""
        if self.run_timeout is not None:
            return self.run_timeout
        half = monitor.parsed_schedule.nominal_interval() / 2
        return min(half, MAX_DEFAULT_RUN_TIMEOUT)


def parse_listen(value: str) -> tuple[str, int]:
    """Split ``host:port`` or ``[v6]:port``; raise ValueError saying what was expected."""
    expected = "expected 'host:port' such as '127.0.0.1:8000' (IPv6: '[::1]:8000')"
    text = value.strip()
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise ValueError(f"invalid listen address {value!r}; {expected}")
        port_text = rest[1:]
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep or ":" in host:
            raise ValueError(f"invalid listen address {value!r}; {expected}")
    if not host or not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ValueError(f"invalid listen address {value!r}; {expected}")
    return host, int(port_text)


class CurrentWindow(Strict):
    last: timedelta

    _parse = field_validator("last", mode="before")(_duration)


class ReferenceWindow(Strict):
    """The reference: a fixed range, a range rolling with each tick, or a whole other table.

    - ``start`` and ``end``: a fixed range ``[start, end)``.
    - ``last`` (and ``offset``): the ``last`` span ending ``offset`` before the
      current window starts (``offset`` defaults to 0: the span just before it).
    - ``table`` or ``query`` (optionally with ``start``/``end``): read from
      another table or query of the same source, e.g. the validation set.
    """

    start: Timestamp | None = None
    end: Timestamp | None = None
    last: timedelta | None = None
    offset: timedelta = timedelta(0)
    table: str | None = None
    query: str | None = None

    _parse = field_validator("last", "offset", mode="before")(_duration)

    @field_validator("query")
    @classmethod
    def _query(cls, value: str | None) -> str | None:
        if value is not None:
            check_select(value)
        return value

    @model_validator(mode="after")
    def _one_shape(self) -> Self:
        fixed = self.start is not None or self.end is not None
        if self.last is not None and fixed:
            raise ValueError("give either 'start'/'end' or 'last' (with 'offset'), not both")
        if self.table is not None and self.query is not None:
            raise ValueError("give either 'table' or 'query', not both")
        other_source = self.table is not None or self.query is not None
        if not other_source and self.last is None and not (self.start and self.end):
            raise ValueError(
                "expected 'start' and 'end' (a fixed range), 'last' (a rolling range), "
                "or 'table'/'query' (another source)"
            )
        if self.start and self.end and self.start >= self.end:
            raise ValueError(f"'start' ({self.start}) must be before 'end' ({self.end})")
        if self.offset != timedelta(0) and self.last is None:
            raise ValueError("'offset' only applies to a rolling reference with 'last'")
        return self

    @property
    def is_fixed(self) -> bool:
        """True when the reference does not move with the tick."""
        return self.last is None


class ColumnDrift(Strict):
    method: str | None = None
    threshold: float | None = Field(default=None, ge=0)


class Correction(StrEnum):
    """Multiple-testing correction across the p-value tests of one monitor.

    A monitor with 40 columns tested at p < 0.05 expects two false drift
    verdicts per run when nothing changed; a correction bounds that.
    """

    NONE = "none"
    """Each p-value against its own threshold (Evidently's behaviour)."""
    BONFERRONI = "bonferroni"
    """p × m (m = p-value tests in the run), capped at 1: bounds the chance of
    *any* false drift verdict in a run. Strict; use when one false alarm pages someone."""
    FDR_BH = "fdr_bh"
    """Benjamini-Hochberg adjusted p-values: bounds the expected *share* of false
    verdicts among the drifted columns. Keeps more power than Bonferroni on wide tables."""


class EffectGuard(Strict):
    """Drift from a p-value test also needs a distance of at least ``value``.

    On windows of 100k+ rows a p-value test finds any difference at all, however
    small; the guard asks that the distributions also differ by a size that
    matters. Written as ``min_effect = 0.1`` or as a table naming the distances.
    """

    value: float = Field(ge=0)
    """The distance a p-value test's column must also reach (compared as the distance test does)."""
    numerical_method: str = "wasserstein"
    """Distance for numerical columns (default: normed Wasserstein, Evidently's large-data test)."""
    categorical_method: str = "jensenshannon"
    """Distance for categorical columns (default: Jensen-Shannon, Evidently's large-data test)."""


def _effect_shorthand(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"value": value}
    return value


class DriftConfig(Strict):
    drift_share: float = Field(default=0.5, gt=0, le=1)
    numerical_method: str | None = None
    """Test for every numerical column (default: Evidently's rule)."""
    categorical_method: str | None = None
    """Test for every categorical column (default: Evidently's rule)."""
    threshold: float | None = Field(default=None, ge=0)
    """Threshold for every column (default: the test's own)."""
    columns: dict[str, ColumnDrift] = Field(default_factory=dict)
    min_rows: int = Field(default=1, ge=1)
    """Non-missing values a column needs in *each* window to be tested; below it the
    column's status is ``insufficient_data`` and it has no verdict. The default, 1,
    tests every column that has values, as Evidently does (the monitor's own
    ``min_rows`` already holds back nearly empty windows); raise it (e.g. to 30) for
    sparse columns whose few values would otherwise give noisy verdicts."""
    correction: Correction = Correction.NONE
    """Multiple-testing correction across the run's p-value tests (``none``,
    ``bonferroni``, ``fdr_bh``); distance tests are not affected."""
    min_effect: EffectGuard | None = None
    """Optional effect-size guard for p-value tests (see :class:`EffectGuard`)."""

    _effect = field_validator("min_effect", mode="before")(_effect_shorthand)


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
    query: str | None = None
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

    @field_validator("query")
    @classmethod
    def _query(cls, value: str | None) -> str | None:
        if value is not None:
            check_select(value)
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
