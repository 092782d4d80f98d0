"""``driftwarden serve`` while a real PostgreSQL it depends on is stopped and started again.

Each test runs its own PostgreSQL cluster (:mod:`tests.pgcluster`), so stopping it
never disturbs the shared server, and pushes alerts to a real Alertmanager:

- the *source* database stops: runs are stored as ``error`` with the reason,
  ``driftwarden_monitor_up`` drops to 0, ``MonitorRunFailing`` fires in
  Alertmanager; the service keeps running, and the first run after the database
  is back succeeds and resolves the alert;
- the *results* database stops: runs go on and their gauges update, results wait
  in memory, ``/readyz`` says why; when it is back they are written in order and
  the alert they raise reaches Alertmanager.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.runner import utcnow
from tests.integration.alertmanager import Alertmanager, Receiver, receiver, routing_config
from tests.integration.test_prometheus import wait
from tests.pgcluster import PgCluster, pg_cluster
from tests.servers import free_port
from tests.service.harness import config_text
from tests.service.process import Served, serve
from tests.service.sources import NO_REPORT, monitor_toml, write_source

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def pg() -> Iterator[PgCluster]:
    with pg_cluster() as cluster:
        yield cluster


@contextmanager
def alerting(root: Path) -> Iterator[tuple[Alertmanager, Receiver]]:
    with receiver() as hook:
        am = Alertmanager(root, routing_config(hook.url))
        am.start()
        try:
            yield am, hook
        finally:
            am.stop()


def write_config(root: Path, source_url: str, port: int, am_url: str, store_url: str = "") -> Path:
    service = f"""listen = "127.0.0.1:{port}"
run_timeout = "20s"
store_retry = "1s"

[alerting]
alertmanager_urls = ["{am_url}"]
resend_interval = "5s"
max_backoff = "1s"
"""
    path = root / "config.toml"
    path.write_text(
        config_text(
            root,
            source_url,
            service=service,
            store_url=store_url,
            monitors=monitor_toml(
                "churn", source_url, utcnow(), schedule="every 2s", extra=NO_REPORT
            ),
        )
    )
    return path


def metric(s: Served, name: str) -> float:
    """The sum of the samples of ``name`` (with the given labels, if any) in ``/metrics``."""
    values = [
        float(line.rsplit(" ", 1)[1])
        for line in s.get("/metrics").text.splitlines()
        if line.startswith(name) and line[len(name)] in " {"
    ]
    if not values:
        raise KeyError(name)
    return sum(values)


def status(s: Served) -> dict[str, object]:
    found: dict[str, object] = s.get("/api/monitors").json()[0]
    return found


def history(s: Served) -> list[dict[str, object]]:
    runs: list[dict[str, object]] = s.get("/api/monitors/churn/runs?limit=1000").json()["runs"]
    return runs


def test_the_source_database_stops_and_starts_again(pg: PgCluster, tmp_path: Path) -> None:
    source_url = pg.create_database("source")
    now = utcnow()
    write_source(source_url, now, current_end=now, drifted=False)
    port = free_port()
    with alerting(tmp_path) as (am, hook):
        config = write_config(tmp_path, source_url, port, am.url)
        with serve(config, port) as s:
            s.wait_for(lambda: status(s)["status"] == "ok", 60, "a successful run")
            assert metric(s, 'driftwarden_monitor_up{monitor="churn"}') == 1.0

            pg.stop()
            s.wait_for(
                lambda: "connection refused" in str(status(s).get("last_error")).lower(),
                60,
                "a run failing on the refused connection",
            )
            failed = status(s)
            assert failed["status"] == "error"
            last_error = failed["last_error"]
            assert isinstance(last_error, dict)
            message = str(last_error["message"])
            assert message.startswith("monitor 'churn': ")
            assert f"127.0.0.1:{pg.port}/source" in message  # where, password masked
            stored = s.get(f"/api/runs/{last_error['run_id']}").json()
            assert (stored["status"], stored["error"]) == ("error", message)
            assert metric(s, 'driftwarden_monitor_up{monitor="churn"}') == 0.0
            wait(lambda: am.alert("MonitorRunFailing") is not None, 60, "MonitorRunFailing")
            alert = am.alert("MonitorRunFailing")
            assert alert is not None
            assert alert["labels"]["monitor"] == "churn"
            assert alert["status"]["state"] == "active"
            assert s.process.poll() is None
            assert s.get("/healthz").status_code == 200
            assert s.get("/readyz").status_code == 200  # the results database is fine

            pg.start()
            s.wait_for(lambda: status(s)["status"] == "ok", 60, "a run after the restart")
            assert metric(s, 'driftwarden_monitor_up{monitor="churn"}') == 1.0
            wait(lambda: am.alert("MonitorRunFailing") is None, 60, "the resolution")
            wait(lambda: hook.about("MonitorRunFailing", "resolved"), 60, "the resolved note")
            assert len(hook.about("MonitorRunFailing", "firing")) == 1

            # The history: ok runs, then failed ones, then ok again, all stored.
            statuses = [r["status"] for r in reversed(history(s))]
            first_error = statuses.index("error")
            last_error_at = len(statuses) - 1 - statuses[::-1].index("error")
            assert set(statuses[:first_error]) == {"ok"}
            assert set(statuses[first_error : last_error_at + 1]) == {"error"}
            assert set(statuses[last_error_at + 1 :]) == {"ok"}
            assert metric(s, 'driftwarden_runs_total{monitor="churn",status="error"}') >= 1
            assert s.stop() == 0


def test_the_results_database_stops_and_starts_again(pg: PgCluster, tmp_path: Path) -> None:
    store_url = pg.create_database("results")
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    now = utcnow()
    write_source(source_url, now, current_end=now, drifted=False)
    port = free_port()
    with alerting(tmp_path) as (am, _hook):
        config = write_config(tmp_path, source_url, port, am.url, store_url=store_url)
        with serve(config, port) as s:
            s.wait_for(lambda: status(s)["status"] == "ok", 60, "a successful run")
            assert metric(s, "driftwarden_store_up") == 1.0
            assert metric(s, 'driftwarden_dataset_drift_detected{monitor="churn"}') == 0.0

            down_at = datetime.now(UTC)
            pg.stop()
            s.wait_for(lambda: metric(s, "driftwarden_store_buffered_results") >= 1, 60, "a wait")
            assert metric(s, "driftwarden_store_up") == 0.0
            ready = s.get("/readyz")
            assert ready.status_code == 503
            reasons = ready.json()["reasons"]
            assert reasons[0].startswith("the results database does not answer:")
            assert "run result(s) wait in memory" in reasons[1]

            # The drift starts while the results database is down: the gauges show it
            # at once; the alert, whose state is stored there, waits for it.
            runs_before = metric(s, "driftwarden_runs_total")
            write_source(source_url, now, current_end=now, drifted=True)
            s.wait_for(
                lambda: metric(s, 'driftwarden_dataset_drift_detected{monitor="churn"}') == 1.0,
                60,
                "the drift gauge",
            )
            s.wait_for(lambda: metric(s, "driftwarden_runs_total") >= runs_before + 3, 60, "runs")
            waiting = metric(s, "driftwarden_store_buffered_results")
            assert waiting >= 3
            assert status(s)["status"] == "ok"
            assert am.alert("DatasetDriftDetected") is None
            assert s.process.poll() is None

            pg.start()
            up_at = datetime.now(UTC)
            s.wait_for(lambda: metric(s, "driftwarden_store_buffered_results") == 0, 60, "writes")
            assert metric(s, "driftwarden_store_up") == 1.0
            assert metric(s, "driftwarden_store_buffer_dropped_total") == 0.0
            s.wait_for(lambda: s.get("/readyz").status_code == 200, 30, "ready again")
            wait(lambda: am.alert("DatasetDriftDetected") is not None, 60, "the late alert")
            assert "stored late" in s.log()
            assert s.stop() == 0

    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            rows = list(
                conn.execute(sa.text("SELECT id, window_end, started_at FROM runs ORDER BY id"))
            )
    finally:
        engine.dispose()
    ends = [row[1] for row in rows]
    assert ends == sorted(ends) and len(set(ends)) == len(ends)  # in order, none twice
    during = [row for row in rows if down_at <= _aware(row[2]) <= up_at]
    assert len(during) >= waiting


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def test_private_cluster_is_ours(pg: PgCluster) -> None:
    """Stopping the private cluster leaves the shared server alone (and ours starts again)."""
    url = pg.create_database("probe")
    pg.stop()
    assert not pg.running
    pg.start()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_setting('port')")).scalar() == str(pg.port)
    finally:
        engine.dispose()
