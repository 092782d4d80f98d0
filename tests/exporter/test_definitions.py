"""The metric definitions: the names and labels the issue, dashboards and rules rely on."""

from __future__ import annotations

import re

from monitor.exporter.definitions import METRICS, Kind, by_name

EXPECTED = {
    "driftwarden_column_drift_score": ("monitor", "column", "method", "role"),
    "driftwarden_column_drift_threshold": ("monitor", "column", "method", "role"),
    "driftwarden_column_drift_detected": ("monitor", "column", "role"),
    "driftwarden_dataset_drift_share": ("monitor",),
    "driftwarden_dataset_drift_detected": ("monitor",),
    "driftwarden_performance_metric": ("monitor", "metric"),
    "driftwarden_performance_bound": ("monitor", "metric", "bound"),
    "driftwarden_window_rows": ("monitor", "window"),
    "driftwarden_last_run_timestamp_seconds": ("monitor",),
    "driftwarden_last_success_timestamp_seconds": ("monitor",),
    "driftwarden_run_duration_seconds": ("monitor",),
    "driftwarden_runs_total": ("monitor", "status"),
    "driftwarden_monitor_up": ("monitor",),
    "driftwarden_prediction_value": ("monitor",),
    "driftwarden_prediction_latency_seconds": ("monitor", "quantile"),
}


def test_every_metric_of_the_issue_is_defined_with_its_labels() -> None:
    defined = by_name()
    for name, labels in EXPECTED.items():
        assert name in defined, name
        assert defined[name].labels == labels, name


def test_names_are_unique_prefixed_and_in_base_units() -> None:
    names = [m.name for m in METRICS]
    assert len(names) == len(set(names))
    for m in METRICS:
        assert re.fullmatch(r"driftwarden_[a-z_]+", m.name), m.name
        assert m.help.strip() and m.help.endswith("."), m.name
        assert (m.kind is Kind.COUNTER) == m.name.endswith("_total"), m.name
        assert not re.search(r"_(ms|milliseconds|minutes|percent)\b", m.name), m.name


def test_types() -> None:
    kinds = {m.name: m.kind for m in METRICS}
    assert kinds["driftwarden_run_duration_seconds"] is Kind.HISTOGRAM
    assert kinds["driftwarden_runs_total"] is Kind.COUNTER
    assert kinds["driftwarden_prediction_value"] is Kind.GAUGE_HISTOGRAM
    assert kinds["driftwarden_prediction_latency_seconds"] is Kind.SUMMARY
    assert kinds["driftwarden_runs_total"].value == "counter"
    assert by_name()["driftwarden_runs_total"].family_name == "driftwarden_runs"
