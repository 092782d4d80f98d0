"""Alert options: ``[alerting]`` (where alerts go) and ``[monitors.alerts]`` (which fire).

Every rule is on by default except ``data_quality``. A rule's alert fires after
``for_runs`` consecutive windows in breach, carries the rule's ``severity`` and
the static ``labels`` of ``[alerting]``, ``[monitors.alerts]`` and the rule
(the more specific wins), and resolves when a later window is no longer in breach.

Rule key in ``[monitors.alerts]`` → ``alertname``:

- ``dataset_drift`` → ``DatasetDriftDetected``: the dataset drift verdict.
- ``column_drift`` → ``ColumnDriftDetected``: one alert per drifted column
  (label ``column`` and its ``role``: feature, prediction, score or target).
- ``performance`` → ``PerformanceBelowThreshold`` when a metric is under its
  lower bound (``min``/``max_drop``) and ``PerformanceAboveThreshold`` when it is
  over its upper bound (``max``/``max_rise``, e.g. an error such as ``mae``); label ``metric``.
- ``performance_estimated`` → ``PerformanceEstimateBreached``: a metric estimated
  without labels (``[[monitors.estimated]]``, CBPE) outside its bounds; label
  ``metric``. Its own alertname and rule (default severity ``warning``, below the
  realized rule's ``critical``): an estimate is an early sign, routed apart from
  measured performance and silenced or delayed (``for_runs``) on its own.
- ``run_failing`` → ``MonitorRunFailing``: runs ending in ``error``.
- ``data_insufficient`` → ``MonitorDataInsufficient``: runs ending in
  ``insufficient_data`` (too few rows to test).
- ``stale`` → ``MonitorStale``: no successful run for ``intervals`` schedule
  intervals; checked on a timer as well as after runs.
- ``data_quality`` → ``DataQualityCheckFailed``: a data-quality check outside its
  bounds (labels ``check`` and ``column``). Off by default: the quality checks'
  default bounds suit a dashboard better than a pager (an unseen category or a
  value past the reference's range is common on small references); turn it on
  per monitor once the bounds are tuned.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import Field, SecretStr, field_validator, model_validator

from monitor.config.base import Strict
from monitor.config.urls import check_http_url, without_password
from monitor.durations import format_duration, parse_duration

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")

IDENTITY_LABELS = frozenset(
    {"alertname", "monitor", "severity", "service", "column", "role", "metric", "check", "segment"}
)
"""Labels driftwarden sets itself; static labels may not replace them."""

SERVICE_LABEL = "driftwarden"
"""Value of the ``service`` label of every alert."""

ColumnRole = Literal["feature", "prediction", "score", "target"]
"""The values of :class:`monitor.result.Role` (spelt out: results import the config)."""
QualityCheckName = Literal[
    "missing_share", "unseen_share", "out_of_range_share", "row_count", "row_rate"
]
"""The values of :class:`monitor.result.QualityCheck`."""


class AlertName(StrEnum):
    DATASET_DRIFT = "DatasetDriftDetected"
    COLUMN_DRIFT = "ColumnDriftDetected"
    PERFORMANCE_BELOW = "PerformanceBelowThreshold"
    PERFORMANCE_ABOVE = "PerformanceAboveThreshold"
    PERFORMANCE_ESTIMATE = "PerformanceEstimateBreached"
    RUN_FAILING = "MonitorRunFailing"
    DATA_INSUFFICIENT = "MonitorDataInsufficient"
    STALE = "MonitorStale"
    DATA_QUALITY = "DataQualityCheckFailed"


def _check_labels(labels: dict[str, str]) -> dict[str, str]:
    for name, value in labels.items():
        if not LABEL_NAME.match(name):
            raise ValueError(
                f"label name {name!r} is not valid; expected letters, digits and '_', "
                "not starting with a digit"
            )
        if name.startswith("__"):
            raise ValueError(f"label name {name!r} is reserved (names starting with '__')")
        if name in IDENTITY_LABELS:
            raise ValueError(
                f"label {name!r} is set by driftwarden itself; static labels cannot be any of: "
                f"{', '.join(sorted(IDENTITY_LABELS))}"
            )
        if not value:
            raise ValueError(f"label {name!r} has an empty value")
    return labels


Severity = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


class Rule(Strict):
    """Options every rule has."""

    enabled: bool = True
    """Evaluate the rule (a disabled rule's active alerts are resolved)."""
    severity: Severity = "warning"
    """The ``severity`` label (Alertmanager routes on it; ``critical``, ``warning``, ``info``)."""
    labels: dict[str, str] = Field(default_factory=dict)
    """Static labels added to this rule's alerts (over the monitor's and ``[alerting]``'s)."""
    runbook_url: str | None = None
    """The ``runbook_url`` annotation of this rule's alerts (over the monitor's);
    ``{alertname}`` and ``{monitor}`` in it are replaced."""

    _labels = field_validator("labels")(_check_labels)


class RunRule(Rule):
    """A rule decided by each run."""

    for_runs: int = Field(default=1, ge=1, le=1000)
    """Fire only after this many consecutive windows in breach (a window that cannot
    say, e.g. a metric with no labels yet, neither counts nor breaks the streak)."""


class DatasetDriftRule(RunRule):
    severity: Severity = "warning"


class ColumnDriftRule(RunRule):
    severity: Severity = "info"
    roles: list[ColumnRole] = Field(
        default_factory=lambda: list(get_args(ColumnRole)), min_length=1
    )
    """Column roles whose drift alerts. Prediction and score drift often tell first
    that a model's inputs moved (before labels arrive); target drift is label shift."""


class PerformanceRule(RunRule):
    severity: Severity = "critical"


class PerformanceEstimateRule(RunRule):
    severity: Severity = "warning"


class RunFailingRule(RunRule):
    severity: Severity = "warning"


class DataInsufficientRule(RunRule):
    severity: Severity = "warning"


class StaleRule(Rule):
    severity: Severity = "critical"
    intervals: float = Field(default=3, gt=0, le=10_000)
    """Fire when the newest successful window ended more than this many schedule
    intervals ago. Checked on a timer, since a stuck monitor produces no runs; after a
    service restart the count starts at the restart (a ``MonitorStale`` alert already
    firing stays firing until a run succeeds)."""


class DataQualityRule(RunRule):
    enabled: bool = False
    severity: Severity = "warning"
    checks: list[QualityCheckName] = Field(
        default_factory=lambda: list(get_args(QualityCheckName)), min_length=1
    )
    """Quality checks that alert when breached."""


class MonitorAlerts(Strict):
    """``[monitors.alerts]``: the monitor's alert rules (see the module docs)."""

    enabled: bool = True
    """Evaluate this monitor's rules at all."""
    labels: dict[str, str] = Field(default_factory=dict)
    """Static labels added to every alert of the monitor (e.g. ``team = "risk"``)."""
    runbook_url: str | None = None
    """``runbook_url`` annotation of the monitor's alerts; ``{alertname}`` and
    ``{monitor}`` in it are replaced, e.g. ``https://wiki.example.com/runbooks/{alertname}``."""
    dataset_drift: DatasetDriftRule = Field(default_factory=DatasetDriftRule)
    column_drift: ColumnDriftRule = Field(default_factory=ColumnDriftRule)
    performance: PerformanceRule = Field(default_factory=PerformanceRule)
    performance_estimated: PerformanceEstimateRule = Field(default_factory=PerformanceEstimateRule)
    run_failing: RunFailingRule = Field(default_factory=RunFailingRule)
    data_insufficient: DataInsufficientRule = Field(default_factory=DataInsufficientRule)
    stale: StaleRule = Field(default_factory=StaleRule)
    data_quality: DataQualityRule = Field(default_factory=DataQualityRule)

    _labels = field_validator("labels")(_check_labels)

    def rule(self, alertname: AlertName) -> Rule:
        """The options of the rule behind ``alertname``."""
        return {
            AlertName.DATASET_DRIFT: self.dataset_drift,
            AlertName.COLUMN_DRIFT: self.column_drift,
            AlertName.PERFORMANCE_BELOW: self.performance,
            AlertName.PERFORMANCE_ABOVE: self.performance,
            AlertName.PERFORMANCE_ESTIMATE: self.performance_estimated,
            AlertName.RUN_FAILING: self.run_failing,
            AlertName.DATA_INSUFFICIENT: self.data_insufficient,
            AlertName.STALE: self.stale,
            AlertName.DATA_QUALITY: self.data_quality,
        }[alertname]

    def active(self, alertname: AlertName) -> bool:
        """Whether ``alertname`` can fire for this monitor."""
        return self.enabled and self.rule(alertname).enabled

    def describe(self) -> str:
        """One line for ``driftwarden check-config``."""
        if not self.enabled:
            return "off"
        on = []
        for name in AlertName:
            if not self.active(name):
                continue
            rule = self.rule(name)
            text = f"{name.value} ({rule.severity}"
            if isinstance(rule, RunRule) and rule.for_runs > 1:
                text += f", after {rule.for_runs} windows"
            if isinstance(rule, StaleRule):
                text += f", after {rule.intervals:g} intervals"
            on.append(text + ")")
        off = [n.value for n in AlertName if not self.active(n)]
        return ", ".join(on) + (f"; off: {', '.join(off)}" if off else "")


class BasicAuth(Strict):
    """``[alerting.basic_auth]``: HTTP basic auth towards Alertmanager."""

    username: str = Field(min_length=1)
    password: SecretStr | None = None
    """The password (``${ENV_VAR}`` interpolation keeps it out of the file)."""
    password_file: str | None = None
    """A file holding the password (e.g. a mounted secret); trailing newlines are dropped."""

    @model_validator(mode="after")
    def _one_password(self) -> Self:
        if (self.password is None) == (self.password_file is None):
            raise ValueError("give exactly one of 'password' or 'password_file'")
        return self

    def secret(self) -> str:
        if self.password is not None:
            return self.password.get_secret_value()
        assert self.password_file is not None
        return Path(self.password_file).read_text(encoding="utf-8").rstrip("\r\n")


class TlsOptions(Strict):
    """``[alerting.tls]``: TLS towards ``https://`` Alertmanagers."""

    ca_file: str | None = None
    """CA bundle (PEM) to verify Alertmanager's certificate (default: the system's)."""
    cert_file: str | None = None
    """Client certificate (PEM) for mutual TLS; needs ``key_file`` unless it holds the key."""
    key_file: str | None = None
    insecure_skip_verify: bool = False
    """Accept any certificate (testing only)."""

    @model_validator(mode="after")
    def _pair(self) -> Self:
        if self.key_file is not None and self.cert_file is None:
            raise ValueError("'key_file' needs 'cert_file'")
        return self


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a duration string such as '30s', '1m' or '7d'")
    return parse_duration(value)


class AlertingConfig(Strict):
    """``[alerting]``: delivery of alerts to Alertmanager (API v2).

    Alerts are evaluated, kept in the results database and exported as
    ``driftwarden_alerts_firing`` whether or not an Alertmanager is configured;
    they are pushed only to the ``alertmanager_urls`` given.
    """

    alertmanager_urls: list[str] = Field(default_factory=list)
    """Alertmanagers to push to, e.g. ``["http://127.0.0.1:9093"]``. Every one of them
    gets every alert (list each member of an HA cluster); a path is kept
    (``https://host/alertmanager`` posts to ``.../alertmanager/api/v2/alerts``)."""
    resend_interval: timedelta = timedelta(minutes=1)
    """How often active alerts are sent again. Each send carries ``endsAt`` four
    intervals ahead, so Alertmanager resolves an alert by itself if the service stops."""
    timeout: timedelta = timedelta(seconds=10)
    """Timeout of one request to an Alertmanager."""
    max_backoff: timedelta | None = None
    """Longest wait between retries after a connection error or a 5xx answer (the wait
    doubles from 1 s); default: ``resend_interval``."""
    keep_resolved: timedelta = timedelta(days=30)
    """Resolved alerts stay in the results database this long, then are removed (with
    their outbox rows: an Alertmanager unreachable that long has resolved them by
    their ``endsAt`` anyway)."""
    labels: dict[str, str] = Field(default_factory=dict)
    """Static labels added to every alert (e.g. ``cluster = "prod-eu"``)."""
    basic_auth: BasicAuth | None = None
    tls: TlsOptions = Field(default_factory=TlsOptions)

    _parse = field_validator(
        "resend_interval", "timeout", "max_backoff", "keep_resolved", mode="before"
    )(_duration)
    _labels = field_validator("labels")(_check_labels)

    @field_validator("alertmanager_urls")
    @classmethod
    def _urls(cls, urls: list[str]) -> list[str]:
        cleaned = [check_http_url(url, "Alertmanager") for url in urls]
        repeated = sorted({u for u in cleaned if cleaned.count(u) > 1})
        if repeated:
            raise ValueError(f"Alertmanager URL(s) listed twice: {repeated}")
        return cleaned

    def describe(self) -> str:
        """One line for ``driftwarden check-config``."""
        if not self.alertmanager_urls:
            return "evaluated and exported; no alertmanager_urls, so nothing is pushed"
        urls = ", ".join(without_password(u) for u in self.alertmanager_urls)
        return f"pushed to {urls}, resent every {format_duration(self.resend_interval)}"

    @property
    def backoff_cap(self) -> timedelta:
        return self.max_backoff if self.max_backoff is not None else self.resend_interval

    @property
    def ends_at_ahead(self) -> timedelta:
        """How far ahead of each send a firing alert's ``endsAt`` lies."""
        return 4 * self.resend_interval
