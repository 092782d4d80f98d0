"""Migration 0002_reports and the store's report fields, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from alembic import command
from monitor.store import Store
from monitor.store.migrate import alembic_config, current_revision, head_revision
from tests.store.test_store import END, result


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'results.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


def test_upgrade_from_0001_keeps_runs_and_adds_report_columns(url: str) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO runs (monitor, status, window_end, started_at, finished_at, "
                "duration_seconds) VALUES ('old', 'ok', :t, :t, :t, 0.5)"
            ),
            {"t": END},
        )
    engine.dispose()

    store = Store.open(url)
    try:
        assert current_revision(store.engine) == head_revision()
        (old,) = store.runs("old")
        assert old.report_path is None and old.report_error is None
        store.record_report(old.run_id or -1, path="old/x.html", error=None)
        assert store.runs("old")[0].report_path == "old/x.html"
    finally:
        store.close()

    # Downgrading drops the columns and keeps the runs and their rows.
    store = Store.open(url)
    store.save(result("kept"))
    store.close()
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    columns = {c["name"] for c in sa.inspect(engine).get_columns("runs")}
    with engine.connect() as connection:
        children = connection.execute(sa.text("SELECT count(*) FROM column_results")).scalar_one()
    engine.dispose()
    assert "report_path" not in columns and "monitor" in columns
    assert children == len(result("kept").columns)


def test_record_forget_and_find_by_window(url: str) -> None:
    store = Store.open(url)
    try:
        first = store.save(result("m"))
        second = store.save(result("m"))
        earlier = store.save(result("m", end=END - timedelta(hours=1)))
        other = store.save(result("n"))
        store.record_report(second, path="m/a.html", error=None)
        store.record_report(earlier, path="m/b.html", error=None)
        store.record_report(other, path="m/a.html", error=None)
        store.record_report(first, path=None, error="disk full")

        found = store.run_for_window("m", END)
        assert found is not None and found.run_id == second
        assert found.report_path == "m/a.html" and found.report_error is None
        assert store.run_for_window("m", END + timedelta(hours=1)) is None
        assert store.get_run(first).report_error == "disk full"  # type: ignore[union-attr]

        store.forget_reports("m", ["m/a.html"])
        assert store.get_run(second).report_path is None  # type: ignore[union-attr]
        assert store.get_run(earlier).report_path == "m/b.html"  # type: ignore[union-attr]
        # Another monitor's run with the same text is not touched.
        assert store.get_run(other).report_path == "m/a.html"  # type: ignore[union-attr]
    finally:
        store.close()
