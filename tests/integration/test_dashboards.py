"""The Grafana dashboards' queries and the Prometheus rules against a real Prometheus
that scraped a running ``driftwarden serve``.

Every panel query and query variable of every dashboard, with the template
variables filled in as Grafana would, must return data; the rules of
deploy/prometheus/rules/driftwarden.yml, evaluated by that Prometheus, must fire
the same alerts as the service's built-in rules.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from monitor.runner import utcnow
from tests.deploy.promql import DASHBOARDS, RULE_FILES, dashboard_queries, substitute
from tests.integration.test_prometheus import prometheus, query, wait
from tests.servers import free_port
from tests.service.harness import config_text
from tests.service.process import serve
from tests.service.sources import NO_REPORT, monitor_toml, write_source

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BUILT_IN = (
    "DatasetDriftDetected|ColumnDriftDetected|PerformanceBelowThreshold|"
    "PerformanceAboveThreshold|PerformanceEstimateBreached|MonitorRunFailing|MonitorDataInsufficient|MonitorStale|"
    "DataQualityCheckFailed"
)


def results(prom: str, expr: str) -> list[dict[str, object]]:
    body = httpx.get(f"{prom}/api/v1/query", params={"query": expr}, timeout=10).json()
    assert body["status"] == "success", (expr, body)
    found: list[dict[str, object]] = body["data"]["result"]
    return found


def test_every_dashboard_query_returns_data_and_the_rules_match_the_built_in_alerts(
    tmp_path: Path,
) -> None:
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    now = utcnow()
    write_source(source_url, now, current_end=now)
    port = free_port()
    config = tmp_path / "config.toml"
    # Bounds that the data breaches in both directions, so that both performance rules fire
    # (and the estimated one).
    alerts = """[monitors.alerts.stale]
intervals = 60
[monitors.alerts.data_quality]
enabled = true
[monitors.quality]
max_rate_ratio = 1.5  # the current window holds 24 times the reference's rows per hour
[[monitors.performance]]
metric = "accuracy"
max = 0.2
[[monitors.performance]]
metric = "recall"
min = 0.99
[[monitors.estimated]]
metric = "f1"
min = 0.99
"""
    config.write_text(
        config_text(
            tmp_path,
            source_url,
            service=f'listen = "127.0.0.1:{port}"\nrun_timeout = "20s"',
            monitors=monitor_toml(
                "churn", source_url, now, schedule="every 2s", extra=NO_REPORT + alerts
            ),
        )
    )
    with serve(config, port) as s, prometheus(tmp_path, port, rule_files=RULE_FILES) as prom:
        s.wait_for(lambda: s.get("/api/monitors").json()[0]["status"] == "ok", what="a run")
        wait(
            lambda: (
                query(prom, 'driftwarden_runs_total{status="ok"}')[
                    (("monitor", "churn"), ("status", "ok"))
                ]
                >= 4
            ),
            90,
            "several runs scraped",
        )

        empty = []
        checked = 0
        for path in DASHBOARDS:
            for where, expr in dashboard_queries(path):
                filled = substitute(expr, "churn")
                checked += 1
                if not results(prom, filled):
                    empty.append(f"{where}: {filled}")
        assert checked > 30
        assert empty == []

        # The Prometheus rules fire what the service fires itself.
        churn = s.get("/api/monitors").json()[0]
        run = s.get(f"/api/runs/{churn['last_run']['id']}").json()
        drifted = {c["column"] for c in run["columns"] if c["drifted"]}
        assert drifted and run["dataset_drift"]["detected"]

        def by_alertname(expr: str) -> dict[str, float]:
            return {
                str(r["metric"]["alertname"]): float(r["value"][1])  # type: ignore[index]
                for r in results(prom, expr)
            }

        built_in = "sum by (alertname) (driftwarden_alerts_firing) > 0"
        rules = f'count by (alertname) (ALERTS{{alertstate="firing",alertname=~"{BUILT_IN}"}})'
        wait(
            lambda: (
                by_alertname(rules) == by_alertname(built_in)
                and "DatasetDriftDetected" in by_alertname(rules)
            ),
            60,
            "the same alerts from the rules as from the service",
        )
        assert {
            "PerformanceBelowThreshold",
            "PerformanceAboveThreshold",
            "PerformanceEstimateBreached",
            "DataQualityCheckFailed",
        } <= set(by_alertname(rules))
        columns = {
            r["metric"]["column"]  # type: ignore[index]
            for r in results(prom, 'ALERTS{alertstate="firing",alertname="ColumnDriftDetected"}')
        }
        assert columns == drifted
        assert s.stop() == 0
