"""A real Prometheus scrapes a running ``driftwarden serve`` on loopback.

The monitor reads a PostgreSQL source every 2 seconds. Prometheus must return the
drift gauges with the values stored for the run; ``driftwarden_monitor_up`` must go
to 0 while the source database refuses connections and back to 1 after.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from monitor.runner import utcnow
from tests.servers import binary, free_port
from tests.service.harness import config_text
from tests.service.process import Served, serve
from tests.service.sources import NO_REPORT, monitor_toml, write_source

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@contextmanager
def prometheus(
    tmp_path: Path, target_port: int, *, rule_files: Sequence[Path] = ()
) -> Iterator[str]:
    """Prometheus scraping ``127.0.0.1:target_port`` every second (and evaluating
    ``rule_files`` every second)."""
    exe = binary("prometheus")
    port = free_port()
    config = tmp_path / "prometheus.yml"
    rules = "rule_files:" + "".join(f"\n  - {path}" for path in rule_files) if rule_files else ""
    config.write_text(
        f"""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
{rules}
scrape_configs:
  - job_name: driftwarden
    static_configs:
      - targets: ["127.0.0.1:{target_port}"]
"""
    )
    log = (tmp_path / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            exe,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait(lambda: httpx.get(f"{url}/-/ready", timeout=2).status_code == 200, 60, "Prometheus")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()


def wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except (httpx.HTTPError, KeyError, IndexError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.25)


def query(prom: str, expr: str) -> dict[tuple[tuple[str, str], ...], float]:
    body = httpx.get(f"{prom}/api/v1/query", params={"query": expr}, timeout=5).json()
    assert body["status"] == "success", body
    return {
        tuple(
            sorted(
                (k, v) for k, v in r["metric"].items() if k not in ("job", "instance", "__name__")
            )
        ): float(r["value"][1])
        for r in body["data"]["result"]
    }


def source_access(admin: sa.Engine, name: str, allow: bool) -> None:
    with admin.connect() as conn:
        conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allow).lower()}'))
        if not allow:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": name},
            )


def latest_ok_run(s: Served) -> dict[str, object]:
    churn = s.get("/api/monitors").json()[0]
    assert churn["status"] == "ok"
    run: dict[str, object] = s.get(f"/api/runs/{churn['last_run']['id']}").json()
    return run


def test_prometheus_scrapes_the_stored_values_and_sees_the_source_go_down_and_up(
    tmp_path: Path, postgres_url_factory: Callable[[], str], postgres_admin: sa.Engine
) -> None:
    promtool = binary("promtool")
    source_url = postgres_url_factory()
    source_db = make_url(source_url).database
    assert source_db is not None
    now = utcnow()
    write_source(source_url, now, current_end=now)
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        config_text(
            tmp_path,
            source_url,
            service=f'listen = "127.0.0.1:{port}"\nrun_timeout = "20s"',
            monitors=monitor_toml("churn", source_url, now, schedule="every 2s", extra=NO_REPORT),
        )
    )

    with serve(config, port) as s, prometheus(tmp_path, port) as prom:
        s.wait_for(lambda: s.get("/api/monitors").json()[0]["status"] == "ok", what="a run")
        run = latest_ok_run(s)
        columns = run["columns"]
        assert isinstance(columns, list) and len(columns) == 7
        expected = {
            (
                ("column", c["column"]),
                ("method", c["method"]),
                ("monitor", "churn"),
                ("role", c["role"]),
            ): c["score"]
            for c in columns
        }
        assert any(c["drifted"] for c in columns)

        wait(
            lambda: len(query(prom, 'driftwarden_column_drift_score{monitor="churn"}')) == 7,
            60,
            "the drift scores in Prometheus",
        )
        scraped = query(prom, 'driftwarden_column_drift_score{monitor="churn"}')
        assert scraped == expected
        detected = query(prom, 'driftwarden_column_drift_detected{monitor="churn"}')
        assert {dict(k)["column"]: v for k, v in detected.items()} == {
            c["column"]: float(c["drifted"]) for c in columns
        }
        drift = run["dataset_drift"]
        assert isinstance(drift, dict)
        assert query(prom, "driftwarden_dataset_drift_share") == {
            (("monitor", "churn"),): drift["share"]
        }
        assert query(prom, "driftwarden_dataset_drift_detected") == {(("monitor", "churn"),): 1.0}
        assert query(prom, "driftwarden_monitor_up") == {(("monitor", "churn"),): 1.0}
        wait(
            lambda: (
                query(prom, "driftwarden_runs_total")[(("monitor", "churn"), ("status", "ok"))] >= 2
            ),
            30,
            "runs",
        )

        metrics = s.get("/metrics").content
        checked = subprocess.run(
            [promtool, "check", "metrics"], input=metrics, capture_output=True, timeout=30
        )
        assert checked.returncode == 0, checked.stderr.decode()

        source_access(postgres_admin, source_db, allow=False)
        try:
            wait(
                lambda: query(prom, "driftwarden_monitor_up") == {(("monitor", "churn"),): 0.0},
                60,
                "up = 0",
            )
            churn = s.get("/api/monitors").json()[0]
            assert churn["status"] == "error"
            assert "is not currently accepting connections" in churn["last_error"]["message"]
            assert query(prom, 'driftwarden_column_drift_score{monitor="churn"}') == expected
        finally:
            source_access(postgres_admin, source_db, allow=True)
        wait(
            lambda: query(prom, "driftwarden_monitor_up") == {(("monitor", "churn"),): 1.0},
            60,
            "up = 1",
        )
        errors = query(prom, 'driftwarden_runs_total{status="error"}')
        assert errors[(("monitor", "churn"), ("status", "error"))] >= 1
        assert s.stop() == 0
