"""What a rebuilt report says when the source rows changed since the stored run."""

from __future__ import annotations

import dataclasses

from monitor.reports.rebuild import differences
from monitor.result import MetricResult, MetricStatus, RunStatus
from tests.reports.test_index import column, run


def metric(value: float | None, status: MetricStatus = MetricStatus.OK) -> MetricResult:
    return MetricResult("accuracy", value, 0.8, 0.6, None, status, 100)


def test_unchanged_runs_have_no_differences() -> None:
    stored = run("m", RunStatus.OK, columns=(column("a", True), column("b", False)), metrics=(metric(0.7),))
    assert differences(stored, dataclasses.replace(stored, run_id=9)) == []


def test_changed_scores_verdicts_metrics_and_columns_are_named() -> None:
    stored = run(
        "m",
        RunStatus.OK,
        columns=(column("a", True), column("b", False), column("gone", False)),
        metrics=(metric(0.7),),
    )
    b_rescored = dataclasses.replace(column("b", False), score=0.02)
    fresh = run(
        "m",
        RunStatus.OK,
        columns=(column("a", False), b_rescored, column("new", False)),
        metrics=(metric(0.5, MetricStatus.BREACHED),),
    )
    assert differences(stored, fresh) == ["a", "b", "gone", "new", "accuracy"]
