"""The daemon: reload, restart, shutdown, in one process."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from prometheus_client.registry import CollectorRegistry

from monitor.config import Config
from monitor.config.models import MonitorConfig
from monitor.result import RunResult, RunStatus
from monitor.runner import RunData, Runner
from monitor.service.daemon import Daemon
from monitor.store import Store
from tests.service.fakes import GatedRunner
from tests.service.harness import harness, wait_idle
from tests.service.sources import monitor_toml


def gauge_lines(text: str) -> list[str]:
    skip = ("driftwarden_runs", "driftwarden_run_duration", "driftwarden_config")
    return sorted(
        line
        for line in text.splitlines()
        if line.startswith("driftwarden_") and not line.startswith(skip)
    )


def test_a_restart_keeps_the_gauges(tmp_path: Path) -> None:
    with harness(tmp_path) as h:
        h.client.post("/api/monitors/churn/run")
        before = gauge_lines(h.client.get("/metrics").text)
    assert any(line.startswith("driftwarden_column_drift_score") for line in before)

    with harness(tmp_path) as again:
        wait_idle(again.daemon)
        after = gauge_lines(again.client.get("/metrics").text)
    assert after == before


def test_a_bad_config_is_refused_logged_and_the_old_one_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with harness(tmp_path) as h:
        old = h.daemon.config
        next_run = h.daemon.scheduler.next_run("churn")
        h.write_config(h.config_path.read_text().replace('name = "fraud"', 'name = "churn"'))
        with caplog.at_level(logging.ERROR):
            outcome = h.daemon.reload()
        assert not outcome.ok
        assert outcome.problems == ("monitor names must be unique; repeated: ['churn']",)
        assert "config reload refused, the running config is kept" in caplog.text
        assert "repeated: ['churn']" in caplog.text
        assert h.daemon.config is old
        assert h.daemon.scheduler.next_run("churn") == next_run
        assert h.daemon.scheduler.next_run("fraud") is not None


def test_a_reload_that_removes_a_monitor_drops_its_job_and_metrics(tmp_path: Path) -> None:
    with harness(tmp_path) as h:
        assert 'monitor="fraud"' in h.client.get("/metrics").text
        h.write_config(
            h.config_path.read_text().split("[[monitors]]")[0] + monitor_toml("churn", h.source_url)
        )
        assert h.daemon.reload().ok
        assert h.daemon.scheduler.next_run("fraud") is None
        text = h.client.get("/metrics").text
        assert 'monitor="fraud"' not in text and 'monitor="churn"' in text


def test_stop_records_a_run_cut_short(tmp_path: Path) -> None:
    runner = GatedRunner(open_gate=True)
    with harness(tmp_path, runner=runner) as h:
        runner.gate.clear()
        runner.started.clear()
        future = h.daemon.run_now("churn")
        assert runner.started.wait(5)
        cut = h.daemon.stop(grace=0.3)
        assert [r.monitor for r in cut] == ["churn"]
        assert future.result(timeout=5).run_id == cut[0].run_id
        stored = h.daemon.store.get_run(cut[0].run_id or -1)
        assert stored is not None and stored.status is RunStatus.ERROR
        assert "cut short by shutdown" in (stored.error or "")
        runner.gate.set()


def test_the_profile_cache_has_room_for_every_monitor(tmp_path: Path) -> None:
    with harness(tmp_path, start=False) as h:
        h.daemon.start()
        assert h.daemon.runner.profiles.capacity == 64
        many = "".join(monitor_toml(f"m{i:02d}", h.source_url) for i in range(40))
        h.write_config(h.config_path.read_text().split("[[monitors]]")[0] + many)
        assert h.daemon.reload().ok
        assert h.daemon.runner.profiles.capacity == 80
        wait_idle(h.daemon, timeout=120)
        misses = h.daemon.runner.profiles.misses
        for i in range(40):
            h.daemon.run_now(f"m{i:02d}").result(timeout=60)
        assert h.daemon.runner.profiles.misses == misses, "every reference was still cached"


class HookedSink:
    name = "hooked"

    def __init__(self) -> None:
        self.events: list[str] = []

    def publish(self, monitor: MonitorConfig, result: RunResult, data: RunData | None) -> None:
        self.events.append(f"publish {monitor.name} {result.status.value}")

    def reconfigure(self, config: Config) -> None:
        self.events.append(f"reconfigure {len(config.monitors)}")

    def start(self) -> None:
        self.events.append("start")

    def stop(self, timeout: float) -> None:
        self.events.append("stop")


def test_factory_sinks_are_started_told_of_reloads_fed_runs_and_stopped(tmp_path: Path) -> None:
    sink = HookedSink()

    def factory(config: Config, store: Store, runner: Runner) -> HookedSink:
        assert isinstance(runner, Runner) and isinstance(store, Store)
        return sink

    with harness(tmp_path, start=False) as h:
        daemon = Daemon(
            h.daemon.config,
            h.daemon.store,
            config_path=h.config_path,
            clock=h.clock,
            sink_factories=[factory],
            registry=CollectorRegistry(),
            process_metrics=False,
        )
        daemon.start()
        wait_idle(daemon)
        assert daemon.reload().ok
        daemon.stop(grace=5)
    assert sink.events[:2] == ["reconfigure 2", "start"]
    assert sorted(sink.events[2:4]) == ["publish churn ok", "publish fraud ok"]
    assert sink.events[4:] == ["reconfigure 2", "stop"]
