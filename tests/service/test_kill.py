"""``kill -9`` of ``driftwarden serve`` in the middle of its work, then a restart.

- killed while a run waits on a slow source query: nothing of that run is stored,
  the store is whole, the restarted service runs the interrupted window again, and
  a real Alertmanager notifies each alert once (the ones delivered before the kill
  and the ones of the repeated run);
- killed while a report is being built: the run is stored whole, ``latest.html``
  and the window's report are the previous complete pages, no partial file is
  served, and the restarted service writes the missing report.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from monitor.reports.paths import report_name
from monitor.result import RunStatus
from monitor.runner import utcnow
from monitor.store import Store
from tests.conftest import write_table
from tests.integration.alertmanager import Alertmanager, receiver
from tests.integration.test_alertmanager_outage import per_alert_routing
from tests.integration.test_prometheus import wait
from tests.servers import free_port
from tests.service.harness import config_text
from tests.service.process import Served, serve
from tests.service.sources import NO_REPORT, monitor_toml, write_source

pytestmark = pytest.mark.slow

SPIN_QUERY = """query = '''
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < (SELECT n FROM spin))
SELECT p.* FROM predictions p WHERE (SELECT count(*) FROM n) > 0
'''
"""
"""A query that counts to ``spin.n`` before answering: slow until the test lowers it."""


COLUMNS = {"x1", "x2", "x3", "plan", "pred", "score", "label"}


def set_spin(source_url: str, n: int) -> None:
    write_table(source_url, "spin", pd.DataFrame({"n": [n]}))


def kill(s: Served) -> None:
    s.process.kill()
    assert s.process.wait(10) == -9


def check_store(db: Path) -> dict[str, list[Any]]:
    """The results database after a kill: intact, no run without its rows, no orphans.
    Returns the runs per monitor."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        orphans = conn.execute(
            "SELECT count(*) FROM column_results WHERE run_id NOT IN (SELECT id FROM runs)"
        ).fetchone()
        assert orphans == (0,)
    store = Store.open(f"sqlite:///{db}", upgrade=False)
    try:
        runs: dict[str, list[Any]] = {}
        for name in ("churn", "slow"):
            runs[name] = store.runs(name, limit=100)
            for run in runs[name]:
                assert run.status in set(RunStatus)
                if run.status is RunStatus.OK:
                    # Every feature, the prediction, score and target.
                    assert {c.column for c in run.columns} == COLUMNS, run
                    assert {m.metric for m in run.metrics} == {"roc_auc"}
        return runs
    finally:
        store.close()


def catch_up_window(log: str, monitor: str) -> datetime:
    found = re.findall(rf"monitor '{monitor}': .*catching up with the window ending (\S+)", log)
    assert found, log
    return datetime.fromisoformat(found[-1])


def notified(hook: Any) -> Counter[tuple[tuple[str, str], ...]]:
    return Counter(
        tuple(sorted(a["labels"].items()))
        for n in hook.received()
        if n["status"] == "firing"
        for a in n["alerts"]
    )


@pytest.mark.integration
def test_kill_9_during_a_slow_query_stores_nothing_half_and_reruns_the_window(
    tmp_path: Path,
) -> None:
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    db = tmp_path / "driftwarden.db"
    now = utcnow()
    write_source(source_url, now)
    set_spin(source_url, 300_000_000)
    port = free_port()
    with receiver() as hook:
        am = Alertmanager(tmp_path, per_alert_routing(hook.url))
        am.start()
        service = f"""listen = "127.0.0.1:{port}"
run_timeout = "300s"

[alerting]
alertmanager_urls = ["{am.url}"]
resend_interval = "2s"
"""
        slow = monitor_toml("slow", source_url, now, extra=NO_REPORT)
        slow = slow.replace('table = "predictions"\n', SPIN_QUERY)
        monitors = monitor_toml("churn", source_url, now, extra=NO_REPORT) + slow
        config = tmp_path / "config.toml"
        config.write_text(config_text(tmp_path, source_url, service=service, monitors=monitors))
        try:
            with serve(config, port) as s:
                s.wait_for(
                    lambda: {m["name"]: m for m in s.get("/api/monitors").json()}["slow"][
                        "running"
                    ],
                    60,
                    "the slow run",
                )
                wait(lambda: len(notified(hook)) >= 3, 60, "churn's alerts notified")
                interrupted = catch_up_window(s.log(), "slow")
                kill(s)

            runs = check_store(db)
            assert runs["slow"] == [], "nothing of the interrupted run is stored"
            (churn,) = runs["churn"]
            before = notified(hook)
            assert set(before.values()) == {1}

            set_spin(source_url, 1)
            with serve(config, port) as s:
                s.wait_for(lambda: check_store(db)["slow"], 120, "the repeated run")
                (again,) = check_store(db)["slow"]
                assert again.status is RunStatus.OK
                if catch_up_window(s.log(), "slow") == interrupted:
                    assert again.window_end == interrupted
                else:  # the hour turned during the restart: the newest window ran
                    assert again.window_end > interrupted
                # churn's window had succeeded: it does not run again.
                assert [r.run_id for r in check_store(db)["churn"]] == [churn.run_id]
                wait(lambda: len(notified(hook)) > len(before), 60, "the slow run's alerts")
                time.sleep(4)  # resends every 2 s reach Alertmanager; a repeat would notify
                with sqlite3.connect(db) as conn:
                    alerts = conn.execute("SELECT key, labels FROM alerts").fetchall()
                keys = Counter(key for key, _ in alerts)
                assert set(keys.values()) == {1}, "one episode per alert"
                shown = {tuple(sorted(a["labels"].items())) for a in am.alerts()}
                assert shown == {tuple(sorted(json.loads(labels).items())) for _, labels in alerts}
                counts = notified(hook)
                assert set(counts) == shown
                assert set(counts.values()) == {1}, counts
                assert s.stop() == 0
        finally:
            am.stop()


@pytest.mark.integration
def test_kill_9_while_a_report_is_built_leaves_the_previous_pages_whole(tmp_path: Path) -> None:
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    db = tmp_path / "driftwarden.db"
    reports = tmp_path / "reports"
    now = utcnow()
    # Enough rows that Evidently takes seconds over the report.
    write_source(source_url, now, rows=20_000)
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(
        config_text(
            tmp_path,
            source_url,
            service=f'listen = "127.0.0.1:{port}"\nrun_timeout = "300s"\n',
            monitors=monitor_toml("churn", source_url, now),
        )
    )

    def report_path(run_id: int) -> str | None:
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT report_path FROM runs WHERE id = ?", (run_id,))
            (path,) = row.fetchone()
        return str(path) if path is not None else None

    with serve(config, port) as s:
        s.wait_for(lambda: s.get("/api/monitors").json()[0]["last_run"], 120, "the first run")
        first = s.get("/api/monitors").json()[0]["last_run"]["id"]
        s.wait_for(lambda: report_path(first) is not None, 300, "the first report")
        window = s.get(f"/api/runs/{first}").json()["window_end"]
        dated = reports / "churn" / report_name(datetime.fromisoformat(window))
        pages = {p.name: p.read_bytes() for p in (dated, reports / "churn" / "latest.html")}
        answer = s.post("/api/monitors/churn/run")
        assert answer.status_code == 200, answer.text
        second = answer.json()["run_id"]
        assert report_path(second) is None, "the report was still being built"
        kill(s)

    runs = check_store(db)["churn"]
    assert [r.run_id for r in runs] == [second, first]
    assert runs[0].status is RunStatus.OK
    assert (runs[0].report_path, runs[0].report_error) == (None, None)
    for name, page in pages.items():
        assert (reports / "churn" / name).read_bytes() == page, f"{name} is the previous page"
        assert page.rstrip().endswith(b"</html>")
    visible = {p.name for p in (reports / "churn").iterdir() if not p.name.startswith(".")}
    # Besides the two report pages, only the monitor's history page (rewritten after each
    # report) may be there, and it too must be whole.
    assert visible - {"index.html"} == set(pages)
    for name in visible:
        assert (reports / "churn" / name).read_bytes().rstrip().endswith(b"</html>"), name

    with serve(config, port) as s:
        for hidden in (reports / "churn").glob(".*"):
            assert s.get(f"/reports/churn/{hidden.name}").status_code == 404
        s.wait_for(lambda: report_path(second) is not None, 300, "the missing report")
        assert report_path(second) == f"churn/{dated.name}"
        latest = s.get("/reports/churn/latest.html")
        assert latest.status_code == 200
        assert "Rebuilt on" in latest.text and latest.text.rstrip().endswith("</html>")
        assert latest.content == dated.read_bytes()
        assert [r.run_id for r in check_store(db)["churn"]] == [second, first]
        assert s.stop(60) == 0
