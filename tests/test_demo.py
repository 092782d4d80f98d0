"""`driftwarden demo`: synthetic logs with drift in the last third, and the monitor over them."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_demo_shows_drift_appearing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = (REPO / "config.toml").read_text()
    (tmp_path / "config.toml").write_text(config)
    before = set(os.listdir(tmp_path))
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        code = main(["demo", "--days", "9", "--step", "12h"])
    finally:
        os.chdir(cwd)
    assert code == 0
    assert set(os.listdir(tmp_path)) - before <= {"demo.db", "driftwarden.db", "reports"}
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line[:4].isdigit()]
    assert len(lines) == 18
    first_third, last_third = lines[:5], lines[-4:]
    assert not any("DRIFT" in line for line in first_third), first_third
    assert all("DRIFT" in line for line in last_third), last_third
    assert "dataset drift first detected" in out

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'driftwarden.db'}")
    with engine.connect() as conn:
        statuses = conn.execute(sa.text("SELECT status, count(*) FROM runs GROUP BY status")).all()
        f1 = (
            conn.execute(
                sa.text(
                    "SELECT m.status FROM metric_results m JOIN runs r ON r.id = m.run_id "
                    "WHERE m.metric = 'f1' ORDER BY r.window_end"
                )
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert dict(statuses) == {"ok": 18}
    assert f1[0] == "ok"
    assert f1[-2] == "breached"

    source = sa.create_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    with source.connect() as conn:
        newest = conn.execute(sa.text("SELECT max(ts) FROM predictions")).scalar_one()
        oldest = conn.execute(sa.text("SELECT min(ts) FROM predictions")).scalar_one()
    source.dispose()
    now = datetime.now(UTC).replace(tzinfo=None)
    assert now - datetime.fromisoformat(newest) < timedelta(hours=2)
    assert datetime.fromisoformat(oldest) - (now - timedelta(days=9)) < timedelta(hours=2)
