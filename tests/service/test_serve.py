"""``driftwarden serve`` as a process: signals, logs, exit codes."""

from __future__ import annotations

import json
import signal
import socket
import time
from pathlib import Path

import pytest

from monitor.result import RunStatus
from monitor.runner import utcnow
from monitor.store import Store
from tests.servers import free_port
from tests.service.harness import config_text
from tests.service.process import Served, serve
from tests.service.sources import NO_REPORT, monitor_toml, write_source

pytestmark = pytest.mark.slow

SLOW_QUERY = """query = '''
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000000)
SELECT p.* FROM predictions p WHERE (SELECT count(*) FROM n) > 0
'''
"""


def write_config(
    tmp_path: Path, port: int, *, service: str = "", monitors: str = ""
) -> tuple[Path, str]:
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    write_source(source_url, utcnow())
    path = tmp_path / "config.toml"
    text = config_text(
        tmp_path,
        source_url,
        service=f'listen = "127.0.0.1:{port}"\n{service}',
        monitors=monitors or monitor_toml("churn", source_url, utcnow(), extra=NO_REPORT),
    )
    path.write_text(text)
    return path, source_url


def ready(s: Served) -> bool:
    return s.get("/readyz").status_code == 200


def test_sigterm_with_a_run_in_flight_records_it_and_exits_0(tmp_path: Path) -> None:
    port = free_port()
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    slow = monitor_toml("slow", source_url, utcnow(), extra=NO_REPORT)
    slow = slow.replace('table = "predictions"\n', SLOW_QUERY)
    path, _ = write_config(tmp_path, port, service='shutdown_grace = "1s"', monitors=slow)

    with serve(path, port) as s:
        s.wait_for(lambda: s.get("/api/monitors").json()[0]["running"], what="the catch-up run")
        began = time.monotonic()
        s.signal(signal.SIGTERM)
        code = s.process.wait(30)
        took = time.monotonic() - began

    assert code == 0, s.log()
    assert took < 15
    log = s.log()
    assert "SIGTERM received" in log and "1 run(s) cut short and recorded" in log
    store = Store.open(f"sqlite:///{tmp_path / 'driftwarden.db'}")
    try:
        (run,) = store.runs("slow")
    finally:
        store.close()
    assert run.status is RunStatus.ERROR
    assert "cut short by shutdown" in (run.error or "")
    assert "1s grace period" in (run.error or "")


def test_sighup_reloads_and_a_bad_config_keeps_the_old_one(tmp_path: Path) -> None:
    port = free_port()
    path, source_url = write_config(tmp_path, port)
    good = path.read_text()

    with serve(path, port) as s:
        s.wait_for(lambda: ready(s), what="readiness")
        path.write_text(good.replace('schedule = "every 1h"', 'schedule = "every now and then"'))
        s.signal(signal.SIGHUP)
        s.wait_for(lambda: "config reload refused" in s.log(), what="the refusal")
        assert "monitor 'churn': field 'schedule'" in s.log()
        assert [m["name"] for m in s.get("/api/monitors").json()] == ["churn"]
        assert "driftwarden_config_last_reload_successful 0.0" in s.get("/metrics").text
        assert ready(s), "the service keeps running"

        path.write_text(good + monitor_toml("second", source_url, utcnow(), extra=NO_REPORT))
        s.signal(signal.SIGHUP)
        s.wait_for(lambda: len(s.get("/api/monitors").json()) == 2, what="the second monitor")
        assert "driftwarden_config_last_reload_successful 1.0" in s.get("/metrics").text
        assert s.stop() == 0


def test_json_logs_have_one_object_per_line_with_the_run_fields(tmp_path: Path) -> None:
    port = free_port()
    path, _ = write_config(tmp_path, port)
    with serve(path, port, args=("--log-format", "json")) as s:
        s.wait_for(lambda: '"logger": "driftwarden.runs"' in s.log(), what="the run line")
        assert s.stop() == 0
    lines = [json.loads(line) for line in s.log().splitlines() if line.strip()]
    (run,) = [line for line in lines if line["logger"] == "driftwarden.runs"]
    assert run["monitor"] == "churn" and run["status"] == "ok"
    assert run["window_end"].endswith(":00:00+00:00")
    assert run["duration_seconds"] > 0
    assert "x1" in run["drifted_columns"]
    assert isinstance(run["run_id"], int)
    assert {"time", "level", "message"} <= set(run)


def test_a_taken_port_is_an_error_exit(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        path, _ = write_config(tmp_path, port)
        with serve(path, port) as s:
            code = s.process.wait(60)
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in s.log()
    store = Store.open(f"sqlite:///{tmp_path / 'driftwarden.db'}")
    try:
        assert store.latest() == {}, "no run starts when the service cannot listen"
    finally:
        store.close()


@pytest.mark.integration
def test_the_report_of_a_run_is_written_and_served(tmp_path: Path) -> None:
    port = free_port()
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    path, _ = write_config(tmp_path, port, monitors=monitor_toml("churn", source_url, utcnow()))

    def report_url() -> str | None:
        url: str | None = s.get("/api/monitors").json()[0]["report_url"]
        return url

    with serve(path, port) as s:
        s.wait_for(lambda: report_url() is not None, timeout=120, what="the report")
        url = report_url()
        assert url == "/reports/churn/latest.html"
        page = s.get(url)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "churn" in page.text
        index = s.get("/reports/")
        assert index.status_code == 200 and "churn" in index.text
        assert s.get("/reports/../driftwarden.db").status_code == 404
        assert s.stop(timeout=60) == 0
