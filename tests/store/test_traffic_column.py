"""The runs.traffic column (migration 0002_daemon): round trip, upgrade and downgrade keep runs."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from alembic import command
from monitor.result import RunResult
from monitor.store import Store
from monitor.store.migrate import alembic_config
from monitor.traffic import LatencyQuantiles, TrafficSummary, ValueHistogram
from tests.service.fakes import stub_result
from tests.service.sources import NOW, config, monitor_toml

TRAFFIC = TrafficSummary(
    prediction=ValueHistogram("score", (0.5, 1.0), (3, 10), 10, 6.25),
    latency=LatencyQuantiles("latency_ms", ((0.5, 0.02), (0.95, 0.08), (0.99, 0.1)), 10),
)


def _result() -> RunResult:
    m = config(monitor_toml("m", "sqlite://")).monitors[0]
    return dataclasses.replace(stub_result(m, NOW.replace(minute=0), NOW), traffic=TRAFFIC)


def _migrate(store: Store, target: str, *, down: bool) -> None:
    cfg = alembic_config(store.engine.url.render_as_string(hide_password=False))
    with store.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(cfg, target)


def test_traffic_is_stored_and_read_back(store_url: str) -> None:
    store = Store.open(store_url)
    try:
        run_id = store.save(_result())
        found = store.get_run(run_id)
        assert found is not None and found.traffic == TRAFFIC
        assert store.latest()["m"].traffic == TRAFFIC
    finally:
        store.close()


def test_downgrade_and_upgrade_keep_the_runs_and_their_rows(store_url: str) -> None:
    store = Store.open(store_url)
    try:
        store.save(_result())
        with store.engine.begin() as conn:
            conn.execute(
                sa.text(
                    'INSERT INTO column_results (run_id, "column", role, feature_type, status, '
                    "rows_reference, rows_current, missing_reference, missing_current) "
                    "VALUES (1, 'x', 'feature', 'numerical', 'ok', 1, 1, 0, 0)"
                )
            )
        _migrate(store, "0002_reports", down=True)
        columns = {c["name"] for c in sa.inspect(store.engine).get_columns("runs")}
        assert "traffic" not in columns
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM runs")).scalar_one() == 1
            assert conn.execute(sa.text("SELECT count(*) FROM column_results")).scalar_one() == 1
        _migrate(store, "head", down=False)
        found = store.get_run(1)
        assert found is not None and found.traffic is None and len(found.columns) == 1
    finally:
        store.close()
