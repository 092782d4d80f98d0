"""Writing reports through the pipeline: files, latest.html, the run's record, failures."""

from __future__ import annotations

import errno
import logging
import os
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from monitor.reports import atomic
from monitor.reports import build as build_module
from monitor.reports.build import build_report
from monitor.reports.paths import report_name
from monitor.result import RunStatus
from tests.factories import CURRENT_END
from tests.reports.conftest import Make, Setup


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


def index_links(setup: Setup) -> list[str]:
    parser = Links()
    parser.feed((setup.reports / "index.html").read_text())
    return parser.hrefs


def test_report_is_written_recorded_and_indexed(make_setup: Make) -> None:
    s = make_setup()
    result = s.pipeline.run(s.monitor, CURRENT_END)
    name = report_name(CURRENT_END)
    folder = s.reports / "payments"
    assert (folder / name).read_text() == f"<html><body>report payments {CURRENT_END.isoformat()}</body></html>"
    assert (folder / "latest.html").read_bytes() == (folder / name).read_bytes()
    stored = s.store.get_run(result.run_id or -1)
    assert stored is not None
    assert stored.report_path == f"payments/{name}" and stored.report_error is None
    assert f"payments/{name}" in index_links(s)
    assert "payments/latest.html" in index_links(s)
    # The other sinks got the stored result first.
    assert [r.run_id for r in s.recorder.seen] == [result.run_id]


def test_latest_follows_the_newest_window_only(make_setup: Make) -> None:
    s = make_setup()
    folder = s.reports / "payments"
    s.pipeline.run(s.monitor, CURRENT_END)
    newest = (folder / report_name(CURRENT_END)).read_bytes()
    # A rerun of an older window writes its own file but leaves latest.html alone.
    s.pipeline.run(s.monitor, CURRENT_END - timedelta(hours=3))
    assert (folder / report_name(CURRENT_END - timedelta(hours=3))).exists()
    assert (folder / "latest.html").read_bytes() == newest


def test_retention_removes_old_reports_and_their_links(make_setup: Make) -> None:
    s = make_setup(report={"keep_last": 2, "keep_days": None})
    ids = [
        s.pipeline.run(s.monitor, CURRENT_END - timedelta(hours=h)).run_id for h in (3, 2, 1, 0)
    ]
    folder = s.reports / "payments"
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        [
            report_name(CURRENT_END),
            report_name(CURRENT_END - timedelta(hours=1)),
            "latest.html",
            "index.html",  # the monitor's own page (history charts), kept
        ]
    )
    paths = [s.store.get_run(i or -1).report_path for i in ids]  # type: ignore[union-attr]
    assert paths[:2] == [None, None]
    assert paths[2:] == [
        f"payments/{report_name(CURRENT_END - timedelta(hours=1))}",
        f"payments/{report_name(CURRENT_END)}",
    ]
    for href in index_links(s):
        assert (s.reports / href).is_file(), href


def test_reports_off_for_a_monitor(make_setup: Make) -> None:
    s = make_setup(report={"enabled": False})
    result = s.pipeline.run(s.monitor, CURRENT_END)
    assert not (s.reports / "payments").exists()
    stored = s.store.get_run(result.run_id or -1)
    assert stored is not None and stored.report_path is None and stored.report_error is None
    assert (s.reports / "index.html").is_file()


def test_failed_run_gets_no_report_but_shows_in_the_index(make_setup: Make) -> None:
    s = make_setup(table="no_such_table")
    result = s.pipeline.run(s.monitor, CURRENT_END)
    assert result.status is RunStatus.ERROR
    assert not (s.reports / "payments").exists()
    index = (s.reports / "index.html").read_text()
    assert 'class="state-error"' in index and "no_such_table" in index


def check_report_error(s: Setup, caplog: pytest.LogCaptureFixture, *expected: str) -> None:
    with caplog.at_level(logging.WARNING):
        result = s.pipeline.run(s.monitor, CURRENT_END)
    stored = s.store.get_run(result.run_id or -1)
    assert stored is not None
    # The run itself, and what the other sinks got, are untouched.
    assert stored.status is RunStatus.OK and stored.columns and stored.metrics
    assert [r.run_id for r in s.recorder.seen] == [result.run_id]
    assert stored.report_path is None
    assert stored.report_error is not None
    for text in expected:
        assert text in stored.report_error
    assert any(stored.report_error in r.getMessage() for r in caplog.records)


def test_folder_in_the_way_is_recorded_as_report_error(
    make_setup: Make, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the reports folder should be")
    s = make_setup(reports_dir=blocker)
    check_report_error(s, caplog, "could not be written", str(blocker / "payments"))


def test_disk_full_is_recorded_and_the_old_latest_kept(
    make_setup: Make, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    s = make_setup()
    s.pipeline.run(s.monitor, CURRENT_END - timedelta(hours=1))
    latest = s.reports / "payments" / "latest.html"
    before = latest.read_bytes()

    def disk_full(out: object, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic, "_write_all", disk_full)
    s.recorder.seen.clear()
    check_report_error(s, caplog, "could not be written", os.strerror(errno.ENOSPC))
    assert latest.read_bytes() == before
    assert not (s.reports / "payments" / report_name(CURRENT_END)).exists()


def test_evidently_failure_is_recorded(
    make_setup: Make, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Evidently fell over")

    monkeypatch.setattr(build_module, "run_evidently", broken)
    s = make_setup(builder=build_report)
    check_report_error(s, caplog, "could not be built", "RuntimeError: Evidently fell over")
