"""The pre-written exposition says what prometheus-client's own writers say."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from prometheus_client import generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as om_generate_latest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_parse
from prometheus_client.parser import text_string_to_metric_families as parse
from prometheus_client.registry import CollectorRegistry

from monitor.exporter import Exporter
from monitor.latest import LatestResults
from monitor.pipeline import Pipeline
from monitor.runner import Runner
from monitor.store import Store
from tests.service.fakes import FakeClock
from tests.service.sources import NOW, config, monitor_toml

TICK = NOW.replace(minute=0)
Parsed = dict[str, tuple[str, str, frozenset[tuple[str, frozenset[tuple[str, str]], float]]]]


def parsed(families: object) -> Parsed:
    return {
        f.name: (
            f.type,
            f.documentation,
            frozenset((s.name, frozenset(s.labels.items()), s.value) for s in f.samples),
        )
        for f in families  # type: ignore[attr-defined]
        if f.name.startswith("driftwarden_")
    }


@pytest.fixture
def exporter(source_url: str, store: Store, clock: FakeClock) -> Exporter:
    cfg = config(monitor_toml("a", source_url) + monitor_toml("b", source_url))
    latest = LatestResults()
    exporter = Exporter(latest, registry=CollectorRegistry(), process_metrics=False)
    exporter.reconfigure(cfg)
    exporter.config_loaded(True, NOW)
    pipeline = Pipeline(Runner(clock=clock), store, [latest, exporter])
    a = pipeline.run(cfg.monitors[0], TICK)
    pipeline.run(cfg.monitors[1].model_copy(update={"table": "gone"}), TICK)
    odd = dataclasses.replace(a.columns[0], column='we"ird\\col\nname')
    latest.publish(cfg.monitors[0], dataclasses.replace(a, columns=(*a.columns, odd)), None)
    return exporter


def test_the_text_format_matches_prometheus_client(exporter: Exporter) -> None:
    ours = exporter.render()[0].decode()
    theirs = generate_latest(exporter.registry).decode()
    assert parsed(parse(ours)) == parsed(parse(theirs))
    assert 'column="we\\"ird\\\\col\\nname"' in ours
    assert len(parsed(parse(ours))["driftwarden_column_drift_score"][2]) == 8


def test_openmetrics_matches_prometheus_client(exporter: Exporter) -> None:
    body, _ = exporter.render("application/openmetrics-text; version=1.0.0")
    ours = body.decode()
    theirs = om_generate_latest(exporter.registry).decode()
    assert ours.endswith("# EOF\n") and ours.count("# EOF") == 1
    assert parsed(om_parse(ours)) == parsed(om_parse(theirs))


def test_a_monitor_is_rewritten_only_when_its_results_change(
    exporter: Exporter, source_url: str, store: Store, clock: FakeClock
) -> None:
    first = exporter.render()[0]
    assert exporter.render()[0] == first
    cfg = config(monitor_toml("a", source_url))
    clock.now = NOW + timedelta(hours=1)
    pipeline = Pipeline(Runner(clock=clock), store, [exporter.latest, exporter])
    result = pipeline.run(cfg.monitors[0], TICK + timedelta(hours=1))
    after = exporter.render()[0].decode()
    assert after != first.decode()
    assert (
        f'driftwarden_last_run_timestamp_seconds{{monitor="a"}} {result.finished_at.timestamp()!r}'
        in after
    )
