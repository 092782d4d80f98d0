"""Reports owed by a process that died between storing a run and writing its report."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import sqlalchemy as sa

from monitor.pipeline import Pipeline
from monitor.reports.atomic import TEMP_PREFIX, TEMP_SUFFIX
from monitor.reports.paths import report_name
from monitor.reports.recover import ReportRecovery, owed_reports
from monitor.result import RunStatus
from monitor.service.sinks import ServiceReports
from tests.factories import CURRENT_END
from tests.reports.conftest import Make, Setup


def stored_without_report(s: Setup, end_hours_ago: int = 0) -> int:
    """A run stored as the daemon stores it, its report never written (the process died)."""
    result = Pipeline(s.runner, s.store).run(
        s.monitor, CURRENT_END - timedelta(hours=end_hours_ago)
    )
    assert result.run_id is not None and result.status is RunStatus.OK
    return result.run_id


def test_the_newest_successful_run_without_a_report_gets_it_at_start(make_setup: Make) -> None:
    s = make_setup()
    older = s.pipeline.run(s.monitor, CURRENT_END - timedelta(hours=1))
    assert older.run_id is not None
    newest = stored_without_report(s)
    assert [run.run_id for _, run in owed_reports(s.store, s.config.monitors)] == [newest]

    recovery = ReportRecovery(s.publisher, s.runner, s.store, clock=s.runner.clock)
    recovery.start(s.config.monitors)
    recovery.join(60)
    assert recovery.rebuilt == [newest]
    stored = s.store.get_run(newest)
    assert stored is not None and stored.report_error is None
    assert stored.report_path == f"payments/{report_name(CURRENT_END)}"
    assert (s.reports / stored.report_path).read_bytes() == (
        s.reports / "payments" / "latest.html"
    ).read_bytes()
    assert owed_reports(s.store, s.config.monitors) == []


def test_a_report_that_cannot_be_rebuilt_is_recorded_once(make_setup: Make) -> None:
    s = make_setup()
    run_id = stored_without_report(s)
    # The rows of the window are gone since: nothing to show, and the run says why.
    engine = sa.create_engine(s.monitor.source_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM predictions")
    engine.dispose()
    recovery = ReportRecovery(s.publisher, s.runner, s.store, clock=s.runner.clock)
    recovery.start(s.config.monitors)
    recovery.join(60)
    assert recovery.rebuilt == []
    stored = s.store.get_run(run_id)
    assert stored is not None and stored.report_path is None
    assert stored.report_error is not None and "insufficient_data" in stored.report_error
    assert owed_reports(s.store, s.config.monitors) == []


def test_runs_with_a_report_or_an_error_or_reports_off_owe_nothing(make_setup: Make) -> None:
    s = make_setup()
    s.pipeline.run(s.monitor, CURRENT_END)
    assert owed_reports(s.store, s.config.monitors) == []
    off = make_setup(report={"enabled": False})
    stored_without_report(off)
    assert owed_reports(off.store, off.config.monitors) == []


def test_stale_temporary_files_are_removed_at_start(make_setup: Make) -> None:
    s = make_setup()
    folder = s.reports / "payments"
    folder.mkdir(parents=True)
    stale = folder / f"{TEMP_PREFIX}killed{TEMP_SUFFIX}"
    fresh = folder / f"{TEMP_PREFIX}writing{TEMP_SUFFIX}"
    for path in (stale, fresh):
        path.write_bytes(b"<html><body>half a rep")
    hours_ago = time.time() - 2 * 3600
    os.utime(stale, (hours_ago, hours_ago))
    ReportRecovery(s.publisher, s.runner, s.store, clock=s.runner.clock).start(s.config.monitors)
    assert not stale.exists()
    assert fresh.exists(), "a temporary file being written right now is left alone"


def test_only_the_leading_replica_rebuilds_owed_reports(make_setup: Make) -> None:
    s = make_setup()
    run_id = stored_without_report(s)
    reports = ServiceReports(s.config, s.store, s.runner)
    reports.recovery.publisher = s.publisher  # the small page builder
    reports.start()
    try:
        reports.lead(False)  # a standby: the leader's runs are the leader's to finish
        reports.recovery.join(5)
        assert reports.recovery.rebuilt == []
        assert [run.run_id for _, run in owed_reports(s.store, s.config.monitors)] == [run_id]
        reports.lead(True)  # taking over
        reports.recovery.join(60)
        assert reports.recovery.rebuilt == [run_id]
    finally:
        reports.stop(10)
