"""Every metric driftwarden exports: name, type, labels and help, defined once.

The collector builds its families from these records, and dashboards, alert
rules and documentation can be checked against :data:`METRICS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    GAUGE = "gauge"
    COUNTER = "counter"
    HISTOGRAM = "histogram"
    GAUGE_HISTOGRAM = "gaugehistogram"
    SUMMARY = "summary"


@dataclass(frozen=True)
class MetricDef:
    name: str
    """The exposed name (a counter's includes ``_total``)."""
    kind: Kind
    labels: tuple[str, ...]
    help: str

    @property
    def family_name(self) -> str:
        """The name a prometheus-client family takes (without a counter's ``_total``)."""
        if self.kind is Kind.COUNTER and self.name.endswith("_total"):
            return self.name[: -len("_total")]
        return self.name


COLUMN_DRIFT_SCORE = MetricDef(
    "driftwarden_column_drift_score",
    Kind.GAUGE,
    ("monitor", "column", "method", "role"),
    "Drift score of a column in the latest successful run: a p-value for p-value tests "
    "(drift when below the threshold), a distance otherwise (drift when at or above it).",
)
COLUMN_DRIFT_THRESHOLD = MetricDef(
    "driftwarden_column_drift_threshold",
    Kind.GAUGE,
    ("monitor", "column", "method", "role"),
    "Threshold the column's drift score is compared with.",
)
COLUMN_DRIFT_DETECTED = MetricDef(
    "driftwarden_column_drift_detected",
    Kind.GAUGE,
    ("monitor", "column", "role"),
    "1 when drift was detected in the column in the latest successful run, else 0.",
)
DATASET_DRIFT_SHARE = MetricDef(
    "driftwarden_dataset_drift_share",
    Kind.GAUGE,
    ("monitor",),
    "Share (0-1) of tested feature columns found drifted in the latest successful run.",
)
DATASET_DRIFT_DETECTED = MetricDef(
    "driftwarden_dataset_drift_detected",
    Kind.GAUGE,
    ("monitor",),
    "1 when the drifted share reached the monitor's drift_share in the latest successful "
    "run, else 0.",
)
DATASET_DRIFT_THRESHOLD = MetricDef(
    "driftwarden_dataset_drift_threshold",
    Kind.GAUGE,
    ("monitor",),
    "The monitor's drift_share: dataset drift is detected when the drifted share reaches it.",
)
PERFORMANCE_METRIC = MetricDef(
    "driftwarden_performance_metric",
    Kind.GAUGE,
    ("monitor", "metric"),
    "Model performance metric on the labelled rows of the newest window with labels, in "
    "its latest evaluation (with late labels, an older window re-evaluated as they arrive).",
)
PERFORMANCE_BOUND = MetricDef(
    "driftwarden_performance_bound",
    Kind.GAUGE,
    ("monitor", "metric", "bound"),
    "Lower (bound=min) or upper (bound=max) limit the performance metric is checked against.",
)
LABEL_COVERAGE = MetricDef(
    "driftwarden_label_coverage_ratio",
    Kind.GAUGE,
    ("monitor",),
    "Share (0-1) of the predictions in the latest successful run's current window that "
    "have a known label (monitors with a target, in the predictions or a labels table).",
)
PERFORMANCE_ESTIMATED = MetricDef(
    "driftwarden_performance_estimated",
    Kind.GAUGE,
    ("monitor", "metric"),
    "Model performance metric estimated without labels (CBPE: expected confusion matrix "
    "from scores calibrated on the reference window) on the current window.",
)
PERFORMANCE_ESTIMATED_BOUND = MetricDef(
    "driftwarden_performance_estimated_bound",
    Kind.GAUGE,
    ("monitor", "metric", "bound"),
    "Lower (bound=min) or upper (bound=max) limit the estimated performance metric is "
    "checked against.",
)
WINDOW_ROWS = MetricDef(
    "driftwarden_window_rows",
    Kind.GAUGE,
    ("monitor", "window"),
    "Rows read for the reference and current windows in the latest run.",
)
LAST_RUN_TIMESTAMP = MetricDef(
    "driftwarden_last_run_timestamp_seconds",
    Kind.GAUGE,
    ("monitor",),
    "Unix time the latest run of the monitor finished, whatever its outcome.",
)
LAST_SUCCESS_TIMESTAMP = MetricDef(
    "driftwarden_last_success_timestamp_seconds",
    Kind.GAUGE,
    ("monitor",),
    "Unix time the latest run with status ok finished.",
)
MONITOR_UP = MetricDef(
    "driftwarden_monitor_up",
    Kind.GAUGE,
    ("monitor",),
    "1 when the latest run read its source and completed (status ok or insufficient_data), "
    "0 when it ended in error.",
)
RUN_DURATION = MetricDef(
    "driftwarden_run_duration_seconds",
    Kind.HISTOGRAM,
    ("monitor",),
    "Duration of the monitor's runs since the service started.",
)
RUNS = MetricDef(
    "driftwarden_runs_total",
    Kind.COUNTER,
    ("monitor", "status"),
    "Runs finished since the service started, by outcome (ok, insufficient_data, error).",
)
PREDICTION_VALUE = MetricDef(
    "driftwarden_prediction_value",
    Kind.GAUGE_HISTOGRAM,
    ("monitor",),
    "Distribution of the prediction score (or predicted value) over the current window of "
    "the latest run; buckets are 0.1 steps for probabilities, else reference deciles.",
)
PREDICTION_LATENCY = MetricDef(
    "driftwarden_prediction_latency_seconds",
    Kind.SUMMARY,
    ("monitor", "quantile"),
    "Quantiles (0.5, 0.95, 0.99) of the serving latency over the current window of the "
    "latest run (quantiles only; the window's row count is driftwarden_window_rows).",
)
CONFIG_RELOAD_SUCCESS = MetricDef(
    "driftwarden_config_last_reload_successful",
    Kind.GAUGE,
    (),
    "1 when the latest configuration (re)load succeeded, 0 when it was refused.",
)
CONFIG_RELOAD_TIMESTAMP = MetricDef(
    "driftwarden_config_last_reload_success_timestamp_seconds",
    Kind.GAUGE,
    (),
    "Unix time of the latest successful configuration (re)load.",
)
LEADER = MetricDef(
    "driftwarden_leader",
    Kind.GAUGE,
    (),
    "1 while this replica is the leader (it holds the leader lock in the results database, "
    "schedules runs and sends alerts), 0 while it is a standby that serves the API and the "
    "gauges from the store. With a SQLite results database the one process always leads.",
)
ALERTS_FIRING = MetricDef(
    "driftwarden_alerts_firing",
    Kind.GAUGE,
    ("monitor", "alertname"),
    "Alerts firing (pushed to Alertmanager while active), by monitor and alertname; 0 for "
    "each rule the monitor has enabled.",
)
MONITOR_STALE_AFTER = MetricDef(
    "driftwarden_monitor_stale_after_seconds",
    Kind.GAUGE,
    ("monitor",),
    "Age of the newest successful run past which MonitorStale fires (the stale rule's "
    "intervals times the schedule interval); absent when the rule is off.",
)
ALERT_NOTIFICATIONS = MetricDef(
    "driftwarden_alert_notifications_total",
    Kind.COUNTER,
    ("outcome",),
    "Alerts sent to Alertmanager since the service started, one per alert and Alertmanager, "
    "by outcome: delivered, failed (retried with backoff) or rejected (invalid).",
)
STORE_UP = MetricDef(
    "driftwarden_store_up",
    Kind.GAUGE,
    (),
    "1 when the latest write to the results database succeeded, 0 while it does not answer "
    "(run results are then kept in memory until it does).",
)
STORE_BUFFERED_RESULTS = MetricDef(
    "driftwarden_store_buffered_results",
    Kind.GAUGE,
    (),
    "Run results waiting in memory to be written to the results database.",
)
STORE_BUFFER_DROPPED = MetricDef(
    "driftwarden_store_buffer_dropped_total",
    Kind.COUNTER,
    (),
    "Run results dropped, oldest first, because the in-memory buffer was full while the "
    "results database did not answer (since the service started).",
)

COLUMN_MISSING_RATIO = MetricDef(
    "driftwarden_column_missing_ratio",
    Kind.GAUGE,
    ("monitor", "column", "window"),
    "Share (0-1) of a column's rows that are missing (NULL, NaN or infinite) in the "
    "latest successful run's reference or current window.",
)
COLUMN_UNSEEN_RATIO = MetricDef(
    "driftwarden_column_unseen_ratio",
    Kind.GAUGE,
    ("monitor", "column"),
    "Share (0-1) of a categorical column's current values never seen in the reference.",
)
COLUMN_OUT_OF_RANGE_RATIO = MetricDef(
    "driftwarden_column_out_of_range_ratio",
    Kind.GAUGE,
    ("monitor", "column"),
    "Share (0-1) of a numerical column's current values outside the reference's [min, max].",
)
QUALITY_BREACHED = MetricDef(
    "driftwarden_quality_check_breached",
    Kind.GAUGE,
    ("monitor", "check", "column"),
    "1 when a data-quality check is outside its bounds in the latest successful run, else 0 "
    "(column is empty for the window-level checks row_count and row_rate).",
)
MULTIVARIATE_DRIFT_SCORE = MetricDef(
    "driftwarden_multivariate_drift_score",
    Kind.GAUGE,
    ("monitor", "method"),
    "Multivariate drift score of the features taken together: mean PCA reconstruction "
    "error (pca_reconstruction) or cross-validated ROC AUC (domain_classifier).",
)
MULTIVARIATE_DRIFT_DETECTED = MetricDef(
    "driftwarden_multivariate_drift_detected",
    Kind.GAUGE,
    ("monitor", "method"),
    "1 when the multivariate drift score is outside its thresholds, else 0.",
)

METRICS: tuple[MetricDef, ...] = (
    COLUMN_DRIFT_SCORE,
    COLUMN_DRIFT_THRESHOLD,
    COLUMN_DRIFT_DETECTED,
    DATASET_DRIFT_SHARE,
    DATASET_DRIFT_DETECTED,
    DATASET_DRIFT_THRESHOLD,
    PERFORMANCE_METRIC,
    PERFORMANCE_BOUND,
    LABEL_COVERAGE,
    PERFORMANCE_ESTIMATED,
    PERFORMANCE_ESTIMATED_BOUND,
    WINDOW_ROWS,
    LAST_RUN_TIMESTAMP,
    LAST_SUCCESS_TIMESTAMP,
    MONITOR_UP,
    RUN_DURATION,
    RUNS,
    PREDICTION_VALUE,
    PREDICTION_LATENCY,
    CONFIG_RELOAD_SUCCESS,
    CONFIG_RELOAD_TIMESTAMP,
    LEADER,
    COLUMN_MISSING_RATIO,
    COLUMN_UNSEEN_RATIO,
    COLUMN_OUT_OF_RANGE_RATIO,
    QUALITY_BREACHED,
    MULTIVARIATE_DRIFT_SCORE,
    MULTIVARIATE_DRIFT_DETECTED,
    ALERTS_FIRING,
    MONITOR_STALE_AFTER,
    ALERT_NOTIFICATIONS,
    STORE_UP,
    STORE_BUFFERED_RESULTS,
    STORE_BUFFER_DROPPED,
)
"""driftwarden's own families (the process collector adds ``process_*`` and ``python_*``)."""

RUN_DURATION_BUCKETS: tuple[float, ...] = (
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    120.0,
    300.0,
    600.0,
)


def by_name() -> dict[str, MetricDef]:
    return {m.name: m for m in METRICS}
