"""``[alerting]`` and ``[monitors.alerts]``: defaults, overrides and clear errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import get_args

import pytest

from monitor.config import ConfigError, load_config, parse_config
from monitor.config.alerts import AlertName, ColumnRole, QualityCheckName
from monitor.result import QualityCheck, Role
from tests.alerts.results import config

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_turn_every_rule_on_but_data_quality_and_push_nowhere() -> None:
    cfg = config()
    alerts = cfg.monitors[0].alerts
    assert cfg.alerting.alertmanager_urls == []
    assert cfg.alerting.resend_interval == timedelta(minutes=1)
    assert cfg.alerting.ends_at_ahead == timedelta(minutes=4)
    assert cfg.alerting.backoff_cap == timedelta(minutes=1)
    on = {name for name in AlertName if alerts.active(name)}
    assert on == set(AlertName) - {AlertName.DATA_QUALITY}
    severities = {name: alerts.rule(name).severity for name in AlertName}
    assert severities == {
        AlertName.DATASET_DRIFT: "warning",
        AlertName.COLUMN_DRIFT: "info",
        AlertName.PERFORMANCE_BELOW: "critical",
        AlertName.PERFORMANCE_ABOVE: "critical",
        AlertName.PERFORMANCE_ESTIMATE: "warning",
        AlertName.RUN_FAILING: "warning",
        AlertName.DATA_INSUFFICIENT: "warning",
        AlertName.STALE: "critical",
        AlertName.DATA_QUALITY: "warning",
    }
    assert alerts.dataset_drift.for_runs == 1 and alerts.stale.intervals == 3


def test_overrides_per_rule() -> None:
    cfg = config(
        """
[monitors.alerts.dataset_drift]
severity = "critical"
for_runs = 3
[monitors.alerts.column_drift]
roles = ["feature", "target"]
[monitors.alerts.stale]
intervals = 6
""",
        alerting="""
alertmanager_urls = ["http://am-0:9093/", "https://am-1.example.com/alertmanager"]
resend_interval = "30s"
max_backoff = "5m"
[alerting.basic_auth]
username = "dw"
password = "${AM_PASSWORD}"
""".replace("${AM_PASSWORD}", "s3cret"),
    )
    alerts = cfg.monitors[0].alerts
    assert alerts.dataset_drift.severity == "critical" and alerts.dataset_drift.for_runs == 3
    assert alerts.column_drift.roles == ["feature", "target"]
    assert alerts.stale.intervals == 6
    assert cfg.alerting.alertmanager_urls == [
        "http://am-0:9093",
        "https://am-1.example.com/alertmanager",
    ]
    assert cfg.alerting.ends_at_ahead == timedelta(minutes=2)
    assert cfg.alerting.backoff_cap == timedelta(minutes=5)
    assert cfg.alerting.basic_auth is not None
    assert cfg.alerting.basic_auth.secret() == "s3cret"


def test_password_file_is_read_without_its_newline(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("from-file\n")
    cfg = config(alerting=f'[alerting.basic_auth]\nusername = "dw"\npassword_file = "{secret}"\n')
    assert cfg.alerting.basic_auth is not None
    assert cfg.alerting.basic_auth.secret() == "from-file"


@pytest.mark.parametrize(
    ("extra", "alerting", "expected"),
    [
        (
            '[monitors.alerts]\nlabels = { severity = "x" }\n',
            "",
            "monitor 'churn': field 'alerts.labels': label 'severity' is set by driftwarden itself",
        ),
        (
            '[monitors.alerts.column_drift]\nlabels = { "bad-name" = "x" }\n',
            "",
            "monitor 'churn': field 'alerts.column_drift.labels': label name "
            "'bad-name' is not valid",
        ),
        (
            "[monitors.alerts.dataset_drift]\nfor_runs = 0\n",
            "",
            "monitor 'churn': field 'alerts.dataset_drift.for_runs'",
        ),
        (
            '[monitors.alerts.column_drift]\nroles = ["features"]\n',
            "",
            "monitor 'churn': field 'alerts.column_drift.roles[0]'",
        ),
        (
            "[monitors.alerts.stale]\nfor_runs = 2\n",
            "",
            "monitor 'churn': field 'alerts.stale.for_runs': unknown key",
        ),
        ("", 'alertmanager_urls = ["127.0.0.1:9093"]', "field 'alerting.alertmanager_urls'"),
        ("", 'resend_interval = "soon"', "field 'alerting.resend_interval'"),
        (
            "",
            '[alerting.basic_auth]\nusername = "dw"\n',
            "give exactly one of 'password' or 'password_file'",
        ),
        ("", '[alerting.tls]\nkey_file = "k.pem"\n', "'key_file' needs 'cert_file'"),
    ],
)
def test_bad_alert_options_are_named(extra: str, alerting: str, expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        config(extra, alerting=alerting)
    assert any(expected in problem for problem in error.value.problems), error.value.problems


def test_the_spelt_out_role_and_check_names_match_the_results() -> None:
    assert set(get_args(ColumnRole)) == {r.value for r in Role}
    assert set(get_args(QualityCheckName)) == {c.value for c in QualityCheck}


def test_the_shipped_config_still_loads() -> None:
    cfg = load_config(ROOT / "config.toml", environ={})
    assert cfg.monitors[0].alerts.enabled


def test_check_config_lists_the_alerts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from monitor.cli import main

    path = tmp_path / "config.toml"
    shipped = (ROOT / "config.toml").read_text()
    assert "alertmanager_urls = []" in shipped
    path.write_text(
        shipped.replace(
            "alertmanager_urls = []",
            'alertmanager_urls = ["http://dw@am-0:9093", "http://am-1:9093"]\n'
            'resend_interval = "30s"',
        )
        + """
[monitors.alerts.dataset_drift]
for_runs = 2
[monitors.alerts.column_drift]
enabled = false
"""
    )
    assert main(["check-config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "  alerts: pushed to http://dw@am-0:9093, http://am-1:9093, resent every 30s" in out
    assert (
        "      alerts: DatasetDriftDetected (warning, after 2 windows), "
        "PerformanceBelowThreshold (critical), PerformanceAboveThreshold (critical), "
        "PerformanceEstimateBreached (warning), MonitorRunFailing (warning), "
        "MonitorDataInsufficient (warning), "
        "MonitorStale (critical, after 3 intervals); "
        "off: ColumnDriftDetected, DataQualityCheckFailed"
    ) in out
    assert "pw" not in out.replace("pushed", "")


def test_a_password_in_an_alertmanager_url_is_refused_without_showing_it() -> None:
    """URLs are logged and stored with the outbox; credentials belong in basic_auth."""
    with pytest.raises(ConfigError) as caught:
        parse_config('[alerting]\nalertmanager_urls = ["http://dw:pw-123@am:9093"]', environ={})
    (problem,) = caught.value.problems
    assert "field 'alerting.alertmanager_urls'" in problem
    assert "http://dw:***@am:9093" in problem and "[alerting.basic_auth]" in problem
    assert "pw-123" not in str(caught.value)
