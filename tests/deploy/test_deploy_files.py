"""deploy/: Prometheus rules (promtool), the Alertmanager example (amtool), Grafana files,
and their metric names checked against driftwarden's own metric definitions."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from monitor.config.alerts import SERVICE_LABEL, AlertName
from tests.alerts.results import config
from tests.deploy.promql import (
    DASHBOARDS,
    DEPLOY,
    RULE_FILES,
    RULES,
    dashboard_panels,
    dashboard_queries,
    problems,
    rule_queries,
    rules,
)
from tests.servers import binary

PROMETHEUS = DEPLOY / "prometheus"
ALERTMANAGER = DEPLOY / "alertmanager" / "alertmanager.yml"
GRAFANA = DEPLOY / "grafana"


def run(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=60, cwd=cwd
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_promtool_accepts_the_rules_and_the_scrape_config_and_the_rule_tests_pass() -> None:
    promtool = binary("promtool")
    for path in RULE_FILES:  # promtool sees every rule the file holds
        count = sum(len(g["rules"]) for g in yaml.safe_load(path.read_text())["groups"])
        assert f"SUCCESS: {count} rules found" in run(promtool, "check", "rules", path)
    assert "SUCCESS" in run(promtool, "check", "config", PROMETHEUS / "prometheus.yml")
    assert "SUCCESS" in run(promtool, "test", "rules", "driftwarden_test.yml", cwd=RULES.parent)


def test_the_rule_tests_fail_when_a_rule_changes(tmp_path: Path) -> None:
    """The unit tests pin the rules: a threshold moved in the rule makes them fail."""
    promtool = binary("promtool")
    changed = RULES.read_text().replace(
        "driftwarden_monitor_up == 0", "driftwarden_monitor_up == 1", 1
    )
    (tmp_path / "driftwarden.yml").write_text(changed)
    (tmp_path / "driftwarden-quality.yml").write_text(RULE_FILES[1].read_text())
    (tmp_path / "driftwarden_test.yml").write_text(
        (RULES.parent / "driftwarden_test.yml").read_text()
    )
    done = subprocess.run(
        [promtool, "test", "rules", "driftwarden_test.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "MonitorRunFailing" in done.stdout + done.stderr


def test_every_built_in_alert_has_a_rule_with_the_same_labels() -> None:
    by_name = {rule["alert"]: rule for rule in rules()}
    defaults = config().monitors[0].alerts
    for name in AlertName:
        rule = by_name[name.value]
        assert rule["labels"] == {
            "severity": defaults.rule(name).severity,
            "service": SERVICE_LABEL,
        }, name


def test_metric_and_label_names_of_rules_and_dashboards_are_driftwardens() -> None:
    queries = [*rule_queries(), *(q for path in DASHBOARDS for q in dashboard_queries(path))]
    assert len(queries) > 40
    found = [p for where, expr in queries for p in problems(expr, where)]
    assert found == []


@pytest.mark.parametrize(
    ("expr", "wrong"),
    [
        ("driftwarden_colum_drift_score", "unknown metric 'driftwarden_colum_drift_score'"),
        ('driftwarden_monitor_up{column="x"}', "has no label 'column'"),
        ("sum by (metric) (driftwarden_monitor_up)", "has the label 'metric'"),
        ("driftwarden_run_duration_seconds_bucket", ""),
        ("driftwarden_prediction_latency_seconds_count", "unknown metric"),
    ],
)
def test_the_name_check_finds_mistakes(expr: str, wrong: str) -> None:
    found = problems(expr, "here")
    if wrong:
        assert len(found) == 1 and wrong in found[0]
    else:
        assert found == []


def test_the_alertmanager_example_is_valid_and_routes_by_severity() -> None:
    amtool = binary("amtool")
    assert "SUCCESS" in run(amtool, "check-config", ALERTMANAGER)
    routes = {}
    for severity in ("critical", "warning", "info", "unknown"):
        out = run(
            amtool,
            "config",
            "routes",
            "test",
            f"--config.file={ALERTMANAGER}",
            f"severity={severity}",
            "alertname=ColumnDriftDetected",
            "monitor=churn",
        )
        routes[severity] = [line for line in out.splitlines() if not line.startswith("Warn")]
    assert routes == {
        "critical": ["pager"],
        "warning": ["team-chat"],
        "info": ["low-priority"],
        "unknown": ["team-chat"],
    }


def test_grafana_provisioning_points_at_prometheus_and_the_dashboards() -> None:
    (datasource,) = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yaml").read_text()
    )["datasources"]
    assert datasource["type"] == "prometheus" and datasource["url"].startswith("http")
    (provider,) = yaml.safe_load(
        (GRAFANA / "provisioning" / "dashboards" / "driftwarden.yaml").read_text()
    )["providers"]
    assert provider["type"] == "file" and provider["options"]["path"]


def test_dashboards_are_well_formed() -> None:
    uids = set()
    titles: dict[str, set[str]] = {}
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        assert dashboard["uid"] not in uids
        uids.add(dashboard["uid"])
        variables = {v["name"]: v for v in dashboard["templating"]["list"]}
        assert variables["datasource"]["query"] == "prometheus"
        ids = set()
        titles[dashboard["uid"]] = set()
        for panel in dashboard_panels(dashboard):
            assert panel["id"] not in ids
            ids.add(panel["id"])
            titles[dashboard["uid"]].add(panel["title"])
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24 and grid["h"] > 0
            refs = [t["refId"] for t in panel.get("targets", [])]
            assert len(refs) == len(set(refs))
            for target in panel.get("targets", []):
                assert target["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
                assert target["expr"].strip()
                if dashboard["uid"] == "driftwarden-monitor":
                    assert 'monitor="$monitor"' in target["expr"], panel["title"]
    assert uids == {"driftwarden-overview", "driftwarden-monitor"}
    assert {
        "Monitors up",
        "Oldest last success",
        "Runs by status",
        "Alerts firing",
    } <= titles["driftwarden-overview"]
    assert {
        "Dataset drift share",
        "Column drift score against threshold",
        "Drifted columns",
        "Performance against bounds",
        "Rows per window",
        "Latest report",
    } <= titles["driftwarden-monitor"]
    monitor = json.loads((GRAFANA / "dashboards" / "driftwarden-monitor.json").read_text())
    links = [link["url"] for link in monitor["links"]]
    assert "${driftwarden_url}/reports/${monitor}/latest.html" in links
