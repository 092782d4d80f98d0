"""The daemon while its results database does not answer: runs go on, results wait in
memory (bounded), the sinks that need no stored run get them at once, the others
(alerts, reports) when they are written, in order.

The store here is a real SQLite store whose connections can be refused on demand;
the same outage against a real PostgreSQL that is stopped and started again is in
``tests/integration/test_store_down.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from prometheus_client.registry import CollectorRegistry
from sqlalchemy.orm import Session

from monitor.config import load_config
from monitor.config.models import MonitorConfig
from monitor.result import RunResult, RunStatus
from monitor.runner import RunData
from monitor.service.daemon import Daemon
from monitor.service.http import create_app
from monitor.service.sinks import SINK_FACTORIES
from monitor.store import Store
from monitor.store.alerts import AlertStore
from monitor.store.store import create_store_engine
from tests.service.appclient import AppClient
from tests.service.fakes import FakeClock
from tests.service.harness import config_text, wait_idle
from tests.service.sources import NOW, monitor_toml, write_source


class SwitchStore(Store):
    """A real store whose database can be made to refuse every connection."""

    down = False

    def _refuse(self) -> None:
        if self.down:
            raise sa.exc.OperationalError(
                "connect", {}, ConnectionRefusedError("connection refused (test outage)")
            )

    def ping(self) -> None:
        self._refuse()
        super().ping()

    def save(self, result: RunResult) -> int:
        self._refuse()
        return super().save(result)

    def session(self) -> Session:
        self._refuse()
        return super().session()


class Recorder:
    """A sink that needs the stored run (like alerts and reports)."""

    name = "recorder"

    def __init__(self) -> None:
        self.seen: list[tuple[str, int | None, bool]] = []

    def publish(self, monitor: MonitorConfig, result: RunResult, data: RunData | None) -> None:
        self.seen.append((result.window_end.isoformat(), result.run_id, data is not None))


@contextmanager
def daemon(
    root: Path,
    *,
    service: str = "",
    report: bool = False,
    recorder: Recorder | None = None,
    drifted: bool = True,
) -> Iterator[tuple[Daemon, SwitchStore, AppClient, FakeClock]]:
    clock = FakeClock(NOW)
    source_url = f"sqlite:///{root / 'source.db'}"
    write_source(source_url, NOW)
    extra = "" if report else "[monitors.report]\nenabled = false\n"
    path = root / "config.toml"
    path.write_text(
        config_text(
            root,
            source_url,
            service=f'store_retry = "1h"\n{service}',
            monitors=monitor_toml("churn", source_url, extra=extra),
        )
    )
    config = load_config(path, environ={})
    store = SwitchStore(create_store_engine(config.service.store_url))
    store.upgrade()
    if not drifted:
        write_source(source_url, NOW, drifted=False)
    d = Daemon(
        config,
        store,
        config_path=path,
        clock=clock,
        environ={},
        sinks=[recorder] if recorder is not None else [],
        sink_factories=SINK_FACTORIES,
        registry=CollectorRegistry(),
        process_metrics=False,
    )
    d.start()
    wait_idle(d)
    client = AppClient(create_app(d))
    try:
        yield d, store, client, clock
    finally:
        client.close()
        store.down = False
        d.stop(grace=5)
        store.close()


def sample(client: AppClient, name: str) -> float:
    """The sum of the samples of ``name`` in ``/metrics``."""
    values = [
        float(line.rsplit(" ", 1)[1])
        for line in client.get("/metrics").text.splitlines()
        if line.split("{")[0].split(" ")[0] == name
    ]
    if not values:
        raise KeyError(name)
    return sum(values)


def runs_in(store: Store) -> list[Any]:
    with store.engine.connect() as conn:
        return list(
            conn.execute(
                sa.text("SELECT id, window_end, status, report_error FROM runs ORDER BY id")
            )
        )


def test_runs_go_on_while_the_store_is_down_and_are_written_in_order_when_it_answers(
    tmp_path: Path,
) -> None:
    recorder = Recorder()
    with daemon(tmp_path, recorder=recorder) as (d, store, client, clock):
        assert len(recorder.seen) == 1  # the catch-up run, stored at once
        assert sample(client, "driftwarden_store_up") == 1.0
        runs_before = sample(client, "driftwarden_runs_total")
        store.down = True
        waiting = []
        for hour in (1, 2, 3):
            clock.now = NOW + timedelta(hours=hour)
            result = d.run_now("churn").result(timeout=30)
            assert result.run_id is None
            waiting.append(result)

        # Nothing reached the sinks that need the stored run; the others show the runs.
        assert len(recorder.seen) == 1
        assert sample(client, "driftwarden_store_up") == 0.0
        assert sample(client, "driftwarden_store_buffered_results") == 3.0
        assert sample(client, "driftwarden_store_buffer_dropped_total") == 0.0
        assert sample(client, "driftwarden_runs_total") == runs_before + 3
        newest = waiting[-1]
        assert sample(client, "driftwarden_last_run_timestamp_seconds") == (
            newest.finished_at.timestamp()
        )
        status = client.get("/api/monitors").json()[0]
        assert status["status"] == newest.status.value
        ready = client.get("/readyz")
        assert ready.status_code == 503
        reasons = ready.json()["reasons"]
        assert reasons[0].startswith("the results database does not answer:")
        assert "connection refused (test outage)" in reasons[0]
        assert reasons[1] == (
            "3 run result(s) wait in memory to be written to the results database "
            "(at most 1000; 0 dropped)"
        )
        answer = client.post("/api/monitors/churn/run")
        assert answer.status_code == 503
        assert (
            "the result waits in memory and is written when it answers again"
            in (answer.json()["detail"])
        )
        assert sample(client, "driftwarden_store_buffered_results") == 4.0

        store.down = False
        assert d.pipeline.flush()
        rows = runs_in(store)
        assert len(rows) == 5
        ends = [row[1] for row in rows]
        assert ends == sorted(ends)
        expected = [r.window_end.replace(tzinfo=None) for r in waiting]
        assert [datetime.fromisoformat(str(e)) for e in ends[1:4]] == expected
        # The late sinks got each run once it was stored, oldest first, with its id.
        assert [seen[1] for seen in recorder.seen] == [row[0] for row in rows]
        assert [seen[2] for seen in recorder.seen[1:]] == [False] * 4
        assert sample(client, "driftwarden_store_up") == 1.0
        assert sample(client, "driftwarden_store_buffered_results") == 0.0
        assert client.get("/readyz").status_code == 200
        assert client.get("/api/monitors").json()[0]["last_run"]["id"] == rows[-1][0]


def test_an_alert_raised_by_a_run_that_waited_in_memory_fires_when_it_is_written(
    tmp_path: Path,
) -> None:
    with daemon(tmp_path, drifted=False) as (d, store, client, _):
        firing = 'driftwarden_alerts_firing{monitor="churn",alertname="DatasetDriftDetected"}'
        assert f"{firing} 0.0" in client.get("/metrics").text
        store.down = True
        write_source(str(d.config.monitors[0].source_url), NOW, drifted=True)
        result = d.run_now("churn").result(timeout=30)
        assert result.run_id is None and result.dataset_drift is not None
        assert result.dataset_drift.detected
        # The alert state lives in the results database: evaluation waits for it.
        assert f"{firing} 0.0" in client.get("/metrics").text
        store.down = False
        assert d.pipeline.flush()
        assert f"{firing} 1.0" in client.get("/metrics").text
        active = AlertStore(store).active("churn")
        (alert,) = [a for a in active if a.alertname == "DatasetDriftDetected"]
        assert alert.state.value == "firing"
        assert alert.run_id == runs_in(store)[-1][0]


def test_a_full_buffer_drops_the_oldest_with_a_count_and_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with daemon(tmp_path, service="store_buffer = 2") as (d, store, client, clock):
        store.down = True
        ends = []
        with caplog.at_level(logging.WARNING):
            for hour in (1, 2, 3):
                clock.now = NOW + timedelta(hours=hour)
                ends.append(d.run_now("churn").result(timeout=30).window_end)
        assert sample(client, "driftwarden_store_buffered_results") == 2.0
        assert sample(client, "driftwarden_store_buffer_dropped_total") == 1.0
        assert (
            "store buffer full (2 results): dropped the oldest, the "
            f"insufficient_data result of monitor 'churn' for the window ending "
            f"{ends[0].isoformat()} (1 dropped since start)"
        ) in caplog.text
        store.down = False
        assert d.pipeline.flush()
        stored = [datetime.fromisoformat(str(row[1])) for row in runs_in(store)[1:]]
        assert stored == [e.replace(tzinfo=None) for e in ends[1:]]


def test_a_result_the_answering_database_refuses_is_raised_not_buffered(
    tmp_path: Path,
) -> None:
    with daemon(tmp_path) as (d, _, client, _):
        original = Store.save

        def refuse(self: Store, result: RunResult) -> int:
            raise sa.exc.IntegrityError("INSERT", {}, ValueError("value out of range"))

        Store.save = refuse  # type: ignore[method-assign]
        try:
            with pytest.raises(sa.exc.IntegrityError):
                d.run_now("churn").result(timeout=30)
        finally:
            Store.save = original  # type: ignore[method-assign]
        assert d.pipeline.buffered == 0
        assert sample(client, "driftwarden_store_up") == 1.0


def test_results_still_waiting_at_shutdown_are_logged_as_lost(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with daemon(tmp_path) as (d, store, _, clock):
        store.down = True
        clock.now = NOW + timedelta(hours=1)
        end = d.run_now("churn").result(timeout=30).window_end
        with caplog.at_level(logging.ERROR):
            d.stop(grace=1)
        assert (
            "shutdown: 1 run result(s) could not be written to the results database and are "
            f"lost: churn (window ending {end.isoformat()})"
        ) in caplog.text


def test_a_run_that_waited_in_memory_is_stored_saying_why_it_has_no_report(
    tmp_path: Path,
) -> None:
    with daemon(tmp_path, report=True) as (d, store, _, _):
        store.down = True
        result = d.run_now("churn").result(timeout=60)
        assert result.status is RunStatus.OK and result.run_id is None
        store.down = False
        assert d.pipeline.flush()
        newest = runs_in(store)[-1]
        assert newest[2] == "ok"
        assert newest[3].startswith("report not built: the results database was unreachable")
        assert "`driftwarden report` rebuilds it" in newest[3]


def test_waiting_results_are_dropped_not_written_when_another_replica_took_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with daemon(tmp_path) as (d, store, _, clock):
        store.down = True
        clock.now = NOW + timedelta(hours=1)
        end = d.run_now("churn").result(timeout=30).window_end
        before = len(runs_in(store))
        store.down = False

        def taken_over() -> bool:  # as the daemon's leadership check does on losing
            d.pipeline.discard("another replica leads now and runs those windows")
            return False

        d.pipeline.may_write = taken_over
        with caplog.at_level(logging.WARNING):
            assert d.pipeline.flush()
        assert len(runs_in(store)) == before
        assert d.pipeline.buffered == 0
        assert (
            "1 run result(s) waiting for the results database are dropped (another replica "
            f"leads now and runs those windows): churn (window ending {end.isoformat()})"
        ) in caplog.text
