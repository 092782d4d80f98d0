"""``driftwarden backfill``: every window of a range, resumable, with a summary."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sklearn.metrics import accuracy_score

from monitor.backfill import ticks
from monitor.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from monitor.reports.paths import report_name
from monitor.store import Store
from tests.conftest import write_table
from tests.labels.data import REFERENCE_END, START, config, in_window, labels_for, predictions

FIRST = START + timedelta(days=1, hours=1)
LAST = FIRST + timedelta(hours=3)
WINDOWS = [FIRST + timedelta(hours=h) for h in range(4)]


def setup(tmp_path: Path, source_url: str, *, report: bool = False) -> tuple[Path, str]:
    frame = predictions()
    write_table(source_url, "predictions", frame)
    write_table(source_url, "labels", labels_for(frame, REFERENCE_END))
    store_url = f"sqlite:///{tmp_path / 'results.db'}"
    path = tmp_path / "c.toml"
    config(path, source_url, store_url, reports_dir=str(tmp_path / "reports"), report=report)
    return path, store_url


def backfill(path: Path, *extra: str) -> int:
    return main(
        [
            "backfill",
            "--config",
            str(path),
            "--monitor",
            "churn",
            "--from",
            # between ticks: the first window is the one ending at the next tick
            (FIRST - timedelta(minutes=30)).isoformat(),
            "--to",
            LAST.isoformat(),
            *extra,
        ]
    )


def windows_of(store_url: str) -> list[tuple[str, str]]:
    store = Store.open(store_url)
    try:
        return sorted((r.window_end.isoformat(), r.status.value) for r in store.runs("churn"))
    finally:
        store.close()


def test_ticks_are_the_schedule_ticks_in_the_closed_range(tmp_path: Path) -> None:
    monitor = config(tmp_path / "c.toml", "sqlite://", "sqlite://").monitors[0]
    assert list(ticks(monitor, FIRST - timedelta(minutes=30), LAST)) == WINDOWS
    assert list(ticks(monitor, FIRST, FIRST)) == [FIRST]
    assert list(ticks(monitor, FIRST + timedelta(minutes=1), FIRST + timedelta(minutes=59))) == []


def test_range_run_resume_and_force(
    source_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, store_url = setup(tmp_path, source_url, report=True)
    assert backfill(path) == EXIT_OK
    out, err = capsys.readouterr()
    assert "4 window(s) in the range; 4 run (ok 4), 0 skipped (already stored), 0 failed" in out
    assert "dataset drift in 0" in out
    assert "backfill churn: 4/4 windows" in err  # progress on stderr
    assert windows_of(store_url) == [(w.isoformat(), "ok") for w in WINDOWS]
    # the labels known now are used: figures equal sklearn's on the joined rows
    store = Store.open(store_url)
    try:
        for run in store.runs("churn"):
            frame = in_window(predictions(), run.window_end)
            labels = labels_for(predictions(), REFERENCE_END)
            joined = frame.merge(labels, left_on="pid", right_on="prediction_id")
            (accuracy,) = [m.value for m in run.metrics if m.metric == "accuracy"]
            assert accuracy == pytest.approx(accuracy_score(joined["label"], joined["pred"]))
            assert run.label_coverage == 1.0
            assert run.report_path == f"churn/{report_name(run.window_end)}"
    finally:
        store.close()
    for window in WINDOWS:
        assert (tmp_path / "reports" / "churn" / report_name(window)).is_file()

    # resumed: everything is stored already
    assert backfill(path, "--no-report") == EXIT_OK
    out, _ = capsys.readouterr()
    assert "4 window(s) in the range; 0 run (none), 4 skipped (already stored), 0 failed" in out
    assert len(windows_of(store_url)) == 4

    # forced: every window again, a new run each
    assert backfill(path, "--force", "--no-report") == EXIT_OK
    out, _ = capsys.readouterr()
    assert "4 run (ok 4), 0 skipped" in out
    assert len(windows_of(store_url)) == 8


def test_a_failing_window_does_not_stop_the_rest(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, store_url = setup(tmp_path, sqlite_url)
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:  # text in a numerical column, in the second window only
        bad = (WINDOWS[1] - timedelta(minutes=30)).replace(tzinfo=None).isoformat(sep=" ")
        conn.execute(
            sa.text(
                "INSERT INTO predictions (pid, ts, age, plan, proba, pred) "
                "VALUES (999999, :ts, 'forty', 'pro', 0.5, 1)"
            ),
            {"ts": bad},
        )
    engine.dispose()
    assert backfill(path) == EXIT_FAILED
    out, _ = capsys.readouterr()
    assert "4 run (error 1, ok 3), 0 skipped (already stored), 1 failed" in out
    assert f"failed: window ending {WINDOWS[1].isoformat()}" in out
    assert windows_of(store_url) == [
        (w.isoformat(), "error" if w == WINDOWS[1] else "ok") for w in WINDOWS
    ]
    # resuming retries only the failed window
    assert backfill(path) == EXIT_FAILED
    out, _ = capsys.readouterr()
    assert "1 run (error 1), 3 skipped" in out


def test_bad_usage_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = setup(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    args = ["backfill", "--config", str(path), "--monitor", "churn"]
    assert main([*args, "--from", LAST.isoformat(), "--to", FIRST.isoformat()]) == EXIT_USAGE
    assert "is after --to" in capsys.readouterr().err
    assert (
        main(
            [
                "backfill",
                "--config",
                str(path),
                "--monitor",
                "nope",
                "--from",
                FIRST.isoformat(),
                "--to",
                LAST.isoformat(),
            ]
        )
        == EXIT_USAGE
    )
    assert "no monitor named 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad:
        main([*args, "--from", "yesterday", "--to", LAST.isoformat()])
    assert bad.value.code == EXIT_USAGE
