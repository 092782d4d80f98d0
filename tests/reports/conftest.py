"""A monitor over seeded logs, its store, and a publisher writing into tmp_path/reports."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.config import Config
from monitor.config.models import MonitorConfig
from monitor.pipeline import Pipeline
from monitor.reports import ReportPublisher, ReportSink
from monitor.reports.build import BuiltReport
from monitor.reports.sampling import SampledData
from monitor.result import RunResult
from monitor.runner import RunData, Runner
from monitor.stats import StatTestRegistry
from monitor.store import Store
from tests.factories import CURRENT_END
from tests.reports.data import config, logs, monitor_dict, source

NOW = CURRENT_END + timedelta(minutes=5)
"""The tests' clock: just after the newest window (retention measures age from it)."""


def small_page(
    monitor: MonitorConfig,
    result: RunResult,
    data: SampledData,
    *,
    registry: StatTestRegistry,
    generated_at: datetime,
    notes: Sequence[str] = (),
) -> BuiltReport:
    """A stand-in for the Evidently build where only the file handling is under test."""
    return BuiltReport(
        html=f"<html><body>report {monitor.name} {result.window_end.isoformat()}</body></html>".encode(),
        agreement=(),
        dataset=None,
        reference=data.reference,
        current=data.current,
        snapshot={},
    )


@dataclass
class Recorder:
    """A sink that notes what it was given (it runs before the report sink)."""

    name: str = "recorder"
    seen: list[RunResult] = field(default_factory=list)

    def publish(self, monitor: MonitorConfig, result: RunResult, data: RunData | None) -> None:
        self.seen.append(result)


@dataclass
class Setup:
    config: Config
    store: Store
    runner: Runner
    publisher: ReportPublisher
    sink: ReportSink
    recorder: Recorder
    pipeline: Pipeline
    reports: Path

    @property
    def monitor(self) -> MonitorConfig:
        return self.config.monitors[0]


Make = Callable[..., Setup]


@pytest.fixture
def make_setup(tmp_path: Path) -> Iterator[Make]:
    made: list[Setup] = []

    def make(
        *,
        builder: Any = small_page,
        reports_dir: Path | None = None,
        drift: bool = True,
        clock: Callable[[], datetime] | None = None,
        rename: dict[str, str] | None = None,
        **monitor: Any,
    ) -> Setup:
        frame = logs(reference_rows=800, current_rows=400, drift=drift)
        url = source(tmp_path, frame.rename(columns=rename or {}))
        cfg = config(tmp_path, url, monitor_dict(url, **monitor))
        root = reports_dir or Path(cfg.service.reports_dir)
        store = Store.open(cfg.service.store_url)
        runner = Runner(clock=clock or (lambda: NOW))
        publisher = ReportPublisher(
            root, store, cfg.monitors, registry=runner.registry, clock=runner.clock, builder=builder
        )
        sink = ReportSink(publisher)
        recorder = Recorder()
        setup = Setup(
            cfg, store, runner, publisher, sink, recorder,
            Pipeline(runner, store, [recorder, sink]), root,
        )
        made.append(setup)
        return setup

    yield make
    for s in made:
        s.runner.engines.dispose()
        s.store.close()
