"""Retention: reports older than keep_days or past keep_last go; the newest never does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from monitor.config.models import ReportConfig
from monitor.reports.paths import report_name
from monitor.reports.retention import ReportFile, apply_retention, expired, list_reports

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def reports(*days_ago: float) -> list[ReportFile]:
    out = []
    for d in days_ago:
        when = NOW - timedelta(days=d)
        out.append(ReportFile(when, report_name(when)))
    return out


def ages(files: list[ReportFile]) -> list[float]:
    return sorted((NOW - f.window_end).total_seconds() / 86400 for f in files)


def test_keep_days_removes_older_reports() -> None:
    gone = expired(reports(0, 1, 5, 10, 40), keep_days=7, keep_last=None, now=NOW)
    assert ages(gone) == [10, 40]


def test_keep_last_removes_all_but_the_newest_n() -> None:
    gone = expired(reports(3, 0, 1, 2, 4), keep_days=None, keep_last=2, now=NOW)
    assert ages(gone) == [2, 3, 4]


def test_both_limits_apply() -> None:
    gone = expired(reports(0, 1, 2, 20, 30), keep_days=10, keep_last=4, now=NOW)
    assert ages(gone) == [20, 30]
    gone = expired(reports(0, 1, 2, 3, 4), keep_days=10, keep_last=2, now=NOW)
    assert ages(gone) == [2, 3, 4]


def test_the_newest_report_is_kept_however_old() -> None:
    assert expired(reports(400, 500), keep_days=30, keep_last=1, now=NOW) == reports(500)
    assert expired(reports(400), keep_days=1, keep_last=1, now=NOW) == []
    assert expired([], keep_days=1, keep_last=1, now=NOW) == []


@given(
    st.lists(st.integers(min_value=0, max_value=10_000), unique=True, max_size=40),
    st.none() | st.integers(min_value=1, max_value=30),
    st.none() | st.integers(min_value=1, max_value=10),
)
def test_retention_laws(hours_ago: list[int], keep_days: int | None, keep_last: int | None) -> None:
    files = [ReportFile(NOW - timedelta(hours=h), f"{h}") for h in hours_ago]
    gone = set(expired(files, keep_days=keep_days, keep_last=keep_last, now=NOW))
    kept = [f for f in files if f not in gone]
    if files:
        assert max(files) in kept
    if keep_last is not None:
        assert len(kept) <= max(keep_last, 1)
    if keep_days is not None:
        cutoff = NOW - timedelta(days=keep_days)
        assert all(f.window_end >= cutoff for f in kept if f != max(files))
    # Whatever is kept is everything newer than whatever is removed.
    if kept and gone:
        assert min(kept) > max(gone) or min(kept) == max(files)


def test_apply_removes_files_and_leaves_the_rest(tmp_path: Path) -> None:
    for days in (0, 1, 2, 3):
        (tmp_path / report_name(NOW - timedelta(days=days))).write_text(str(days))
    for other in ("latest.html", "notes.txt"):
        (tmp_path / other).write_text("keep")
    removed = apply_retention(tmp_path, ReportConfig(keep_days=None, keep_last=2), now=NOW)
    assert ages(removed) == [2, 3]
    assert [f.name for f in list_reports(tmp_path)] == [
        report_name(NOW),
        report_name(NOW - timedelta(days=1)),
    ]
    assert (tmp_path / "latest.html").exists() and (tmp_path / "notes.txt").exists()


def test_symlinks_are_not_reports(tmp_path: Path) -> None:
    outside = tmp_path / "outside.html"
    outside.write_text("x")
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / report_name(NOW)).symlink_to(outside)
    assert list_reports(folder) == []
