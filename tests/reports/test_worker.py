"""The background worker: runs return at once, reports follow; a full queue is recorded."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from monitor.reports import ReportSink, ReportWorker
from monitor.reports.build import BuiltReport
from monitor.reports.paths import report_name
from tests.factories import CURRENT_END
from tests.reports.conftest import Make, small_page


def test_reports_are_built_after_the_run_returns_and_a_full_queue_is_recorded(
    make_setup: Make,
) -> None:
    started = threading.Event()
    release = threading.Event()

    def slow(*args: Any, **kwargs: Any) -> BuiltReport:
        started.set()
        assert release.wait(30)
        return small_page(*args, **kwargs)

    s = make_setup(builder=slow)
    worker = ReportWorker(s.publisher, maxsize=1)
    s.pipeline.sinks[-1] = ReportSink(s.publisher, worker)
    worker.start()
    try:
        first = s.pipeline.run(s.monitor, CURRENT_END)
        assert started.wait(30)
        # The run is stored and returned while its report is still being built.
        assert s.store.get_run(first.run_id or -1) is not None
        assert not (s.reports / "payments" / report_name(CURRENT_END)).exists()
        second = s.pipeline.run(s.monitor, CURRENT_END - timedelta(hours=1))
        assert worker.pending == 1
        third = s.pipeline.run(s.monitor, CURRENT_END - timedelta(hours=2))
        skipped = s.store.get_run(third.run_id or -1)
        assert skipped is not None and skipped.report_path is None
        assert skipped.report_error == "report skipped: 1 report(s) were already waiting to be built"
        release.set()
        worker.join()
    finally:
        release.set()
        worker.stop(timeout=30)
    for result in (first, second):
        stored = s.store.get_run(result.run_id or -1)
        assert stored is not None
        assert stored.report_path == f"payments/{report_name(result.window_end)}"
        assert (s.reports / stored.report_path).is_file()
        assert worker.outcomes[result.run_id or -1].path == stored.report_path
    assert not (s.reports / "payments" / report_name(third.window_end)).exists()


def test_stop_finishes_queued_reports(make_setup: Make) -> None:
    s = make_setup()
    worker = ReportWorker(s.publisher, maxsize=4)
    s.pipeline.sinks[-1] = ReportSink(s.publisher, worker)
    worker.start()
    results = [s.pipeline.run(s.monitor, CURRENT_END - timedelta(hours=h)) for h in range(3)]
    worker.stop(timeout=60)
    for result in results:
        assert (s.reports / "payments" / report_name(result.window_end)).is_file()
