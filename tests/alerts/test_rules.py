"""Which alerts a run calls for, with which labels and annotations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.alerts.links import Links, base_url
from monitor.alerts.rules import Observation, observe_run, observe_stale
from monitor.alerts.state import Signal, alert_key
from monitor.config import Config
from monitor.result import CheckStatus, DatasetDrift, MetricStatus, QualityCheck, Role, RunStatus
from tests.alerts.results import END, column, config, metric, quality, run


def observe(cfg: Config, result: object) -> Observation:
    from monitor.result import RunResult

    assert isinstance(result, RunResult)
    return observe_run(cfg.monitors[0], cfg.alerting, Links.of(cfg.service), result)


def by_name(obs: Observation) -> dict[tuple[str, str | None], Signal]:
    out = {}
    for s in obs.breaches.values():
        subject = s.labels.get("column") or s.labels.get("metric")
        out[(s.alertname, subject)] = s
    return out


DRIFTED_RUN = run(
    columns=(
        column("x1", score=0.0012),
        column("x2", drifted=False, score=0.4),
        column("plan", method="jensenshannon", score=0.31, threshold=0.1),
        column("score", role=Role.SCORE, method="wasserstein", score=0.25, threshold=0.1),
        column("pred", role=Role.PREDICTION, drifted=None),
    ),
    drift=DatasetDrift(
        share=2 / 3, threshold=0.5, detected=True, drifted_columns=2, tested_columns=3
    ),
    metrics=(metric("roc_auc", 0.55, lower=0.6), metric("mae", 3.5, upper=2.0)),
)


def test_a_drifted_run_raises_dataset_column_and_performance_alerts_with_labels_and_links() -> None:
    cfg = config(
        """
[monitors.alerts]
labels = { team = "risk", tier = "monitor" }
runbook_url = "https://wiki.example.com/runbooks/{alertname}?m={monitor}"
[monitors.alerts.column_drift]
labels = { tier = "rule" }
""",
        alerting='labels = { cluster = "prod", tier = "global" }',
    )
    obs = observe(cfg, DRIFTED_RUN)
    found = by_name(obs)
    assert set(found) == {
        ("DatasetDriftDetected", None),
        ("ColumnDriftDetected", "x1"),
        ("ColumnDriftDetected", "plan"),
        ("ColumnDriftDetected", "score"),
        ("PerformanceBelowThreshold", "roc_auc"),
        ("PerformanceAboveThreshold", "mae"),
    }
    report = "https://dw.example.com/reports/churn/20260302T120000Z.html"
    dataset = found[("DatasetDriftDetected", None)]
    assert dataset.labels == {
        "alertname": "DatasetDriftDetected",
        "monitor": "churn",
        "service": "driftwarden",
        "severity": "warning",
        "cluster": "prod",
        "team": "risk",
        "tier": "monitor",
    }
    assert dataset.annotations["report_url"] == report
    assert dataset.annotations["runbook_url"] == (
        "https://wiki.example.com/runbooks/DatasetDriftDetected?m=churn"
    )
    assert "0.6667" in dataset.annotations["description"]
    assert "0.5" in dataset.annotations["description"]
    assert "x1, plan" in dataset.annotations["description"]
    assert dataset.generator_url == "https://dw.example.com/api/runs/7"

    x1 = found[("ColumnDriftDetected", "x1")]
    assert x1.labels["column"] == "x1" and x1.labels["role"] == "feature"
    assert x1.labels["severity"] == "info" and x1.labels["tier"] == "rule"
    assert "ks p-value 0.0012 against threshold 0.05" in x1.annotations["description"]
    score = found[("ColumnDriftDetected", "score")]
    assert score.labels["role"] == "score"
    assert "wasserstein distance 0.25 against threshold 0.1" in score.annotations["description"]

    below = found[("PerformanceBelowThreshold", "roc_auc")]
    assert below.labels["metric"] == "roc_auc" and below.labels["severity"] == "critical"
    assert "0.55 is below the lower bound 0.6" in below.annotations["description"]
    above = found[("PerformanceAboveThreshold", "mae")]
    assert "3.5 is above the upper bound 2" in above.annotations["description"]

    # The untested prediction column keeps whatever state its alert had.
    assert alert_key("churn", "ColumnDriftDetected", {"column": "pred"}) in obs.undecided
    assert {"ColumnDriftDetected", "MonitorStale", "MonitorRunFailing"} <= obs.decides
    assert obs.window_end == END and obs.run_id == 7


def test_roles_and_disabled_rules_limit_what_fires_but_not_what_the_run_decides() -> None:
    cfg = config(
        """
[monitors.alerts.column_drift]
roles = ["feature"]
[monitors.alerts.dataset_drift]
enabled = false
"""
    )
    obs = observe(cfg, DRIFTED_RUN)
    found = by_name(obs)
    assert ("ColumnDriftDetected", "score") not in found
    assert ("ColumnDriftDetected", "x1") in found
    assert ("DatasetDriftDetected", None) not in found
    assert obs.decides_alert(
        "ColumnDriftDetected",
        alert_key("churn", "ColumnDriftDetected", {"column": "score"}),
        {"column": "score"},
    )
    assert obs.decides_alert("DatasetDriftDetected", "any", {})


def test_monitor_alerts_off_raise_nothing() -> None:
    cfg = config("[monitors.alerts]\nenabled = false\n")
    assert not observe(cfg, DRIFTED_RUN).breaches


def test_an_error_run_raises_run_failing_and_leaves_drift_undecided() -> None:
    cfg = config()
    obs = observe(cfg, run(status=RunStatus.ERROR, error="connection refused", run_id=9))
    (signal,) = obs.breaches.values()
    assert signal.alertname == "MonitorRunFailing"
    assert signal.labels["severity"] == "warning"
    assert "connection refused" in signal.annotations["description"]
    assert "report_url" not in signal.annotations
    assert signal.generator_url == "https://dw.example.com/api/runs/9"
    assert obs.decides == {"MonitorRunFailing", "MonitorDataInsufficient"}


def test_an_insufficient_run_raises_its_alert_and_decides_only_window_quality_checks() -> None:
    cfg = config("[monitors.alerts.data_quality]\nenabled = true\n")
    obs = observe(
        cfg,
        run(
            status=RunStatus.INSUFFICIENT_DATA,
            error="current window has 3 rows; min_rows is 10",
            quality=(quality(QualityCheck.ROW_COUNT, None, 3, 100, CheckStatus.OK),),
        ),
    )
    (signal,) = obs.breaches.values()
    assert signal.alertname == "MonitorDataInsufficient"
    assert "3 rows; min_rows is 10" in signal.annotations["description"]
    assert obs.decides_alert("DataQualityCheckFailed", "k1", {"check": "row_count"})
    assert not obs.decides_alert(
        "DataQualityCheckFailed", "k2", {"check": "missing_share", "column": "x1"}
    )
    assert not obs.decides_alert("DatasetDriftDetected", "k3", {})


def test_metrics_without_labels_are_undecided_in_both_directions() -> None:
    cfg = config()
    obs = observe(cfg, run(metrics=(metric("roc_auc", None, status=MetricStatus.NO_LABELS),)))
    assert not obs.breaches
    for name in ("PerformanceBelowThreshold", "PerformanceAboveThreshold"):
        assert alert_key("churn", name, {"metric": "roc_auc"}) in obs.undecided


def test_quality_breaches_alert_only_when_opted_in_and_for_the_listed_checks() -> None:
    breached = run(
        quality=(
            quality(QualityCheck.MISSING_SHARE, "x1", 0.4, 0.11, CheckStatus.BREACHED),
            quality(QualityCheck.UNSEEN_SHARE, "plan", 0.2, 0.05, CheckStatus.BREACHED),
            quality(QualityCheck.OUT_OF_RANGE_SHARE, "x2", 0.0, 0.05, CheckStatus.OK),
        )
    )
    assert not observe(config(), breached).breaches
    cfg = config(
        """
[monitors.alerts.data_quality]
enabled = true
checks = ["missing_share"]
severity = "critical"
"""
    )
    (signal,) = observe(cfg, breached).breaches.values()
    assert signal.alertname == "DataQualityCheckFailed"
    assert signal.labels["check"] == "missing_share" and signal.labels["column"] == "x1"
    assert signal.labels["severity"] == "critical"
    assert "0.4, outside [n/a, 0.11]" in signal.annotations["description"]


def test_report_url_only_when_reports_are_on() -> None:
    cfg = config("[monitors.report]\nenabled = false\n")
    for signal in observe(cfg, DRIFTED_RUN).breaches.values():
        assert "report_url" not in signal.annotations
        assert "runbook_url" not in signal.annotations


def test_stale_after_the_configured_intervals_counted_from_the_later_of_success_and_start() -> None:
    cfg = config("[monitors.alerts.stale]\nintervals = 2.5\n", schedule="every 10m")
    m, links = cfg.monitors[0], Links.of(cfg.service)
    last = END
    since = END - timedelta(days=1)

    def stale(now_minutes: float, since_at: object = since) -> Observation | None:
        return observe_stale(
            m,
            cfg.alerting,
            links,
            now=last + timedelta(minutes=now_minutes),
            last_success=last,
            since=since_at,  # type: ignore[arg-type]
        )

    assert stale(25) is None
    obs = stale(25.1)
    assert obs is not None
    (signal,) = obs.breaches.values()
    assert signal.alertname == "MonitorStale" and signal.labels["severity"] == "critical"
    assert "2026-03-02T12:00:00+00:00" in signal.annotations["description"]
    assert signal.generator_url == "https://dw.example.com/api/monitors/churn/runs"
    # A service started 5 minutes ago has not waited 2.5 intervals yet.
    assert stale(60, since_at=last + timedelta(minutes=55)) is None
    never = observe_stale(
        m, cfg.alerting, links, now=END, last_success=None, since=END - timedelta(minutes=26)
    )
    assert never is not None
    assert (
        "No successful run is stored"
        in next(iter(never.breaches.values())).annotations["description"]
    )


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ('public_url = "https://dw.example.com/"', "https://dw.example.com"),
        ('listen = "127.0.0.1:9000"', "http://127.0.0.1:9000"),
        ('listen = "[::1]:9000"', "http://[::1]:9000"),
    ],
)
def test_links_are_absolute(service: str, expected: str) -> None:
    cfg = config(service=service)
    assert base_url(cfg.service) == expected
    assert Links.of(cfg.service).run(3) == f"{expected}/api/runs/3"


def test_a_wildcard_listen_address_links_through_the_host_name() -> None:
    import socket

    cfg = config(service='listen = "0.0.0.0:8000"')
    assert base_url(cfg.service) == f"http://{socket.getfqdn()}:8000"
