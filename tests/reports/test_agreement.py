"""The report and driftwarden never disagree: Evidently's JSON snapshot of the very
report that was written gives, for every column, the stored score and verdict.

The snapshot is read here independently of driftwarden's own reader: each
``ValueDrift`` metric's ``value`` is the score, and its test fails exactly when
Evidently detects drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from monitor.pipeline import Pipeline
from monitor.reports import ReportPublisher, ReportSink
from monitor.result import ColumnStatus, Role
from monitor.runner import Runner
from monitor.store import Store
from tests.factories import CURRENT_END
from tests.reports.data import config, logs, monitor_dict, only, source
from tests.reports.pages import read_page

REL = 1e-9


def evidently_columns(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    status = {t["metric_config"]["metric_id"]: t["status"] for t in snapshot["tests"]}
    out = {}
    for metric in snapshot["metrics"]:
        if metric["config"]["type"] == "evidently:metric_v2:ValueDrift":
            out[metric["config"]["column"]] = {
                "score": metric["value"],
                "drifted": status[metric["id"]] == "FAIL",
                "method": metric["config"]["method"],
                "threshold": metric["config"]["threshold"],
            }
    return out


def evidently_dataset(snapshot: dict[str, Any]) -> tuple[float, bool]:
    status = {t["metric_config"]["metric_id"]: t["status"] for t in snapshot["tests"]}
    (metric,) = [
        m
        for m in snapshot["metrics"]
        if m["config"]["type"] == "evidently:metric_v2:DriftedColumnsCount"
    ]
    return metric["value"]["share"], status[metric["id"]] == "FAIL"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("reference_rows", "current_rows", "methods"),
    [
        # 1,000 reference rows or fewer: p-value tests (Evidently's rule), psi by config.
        (600, 300, {"amount": "ks", "calls": "chisquare", "flag": "z", "plan": "chisquare",
                    "channel": "z", "tenure": "psi", "steady": "ks", "country": "z"}),
        # More: distances.
        (3000, 1500, {"amount": "wasserstein", "calls": "jensenshannon",
                      "flag": "jensenshannon", "plan": "jensenshannon",
                      "channel": "jensenshannon", "tenure": "psi", "steady": "ks",
                      "country": "jensenshannon"}),
    ],
    ids=["small-reference", "large-reference"],
)
@pytest.mark.parametrize("drift", [False, True], ids=["undrifted", "drifted"])
def test_report_agrees_with_stored_result(
    tmp_path: Path,
    reference_rows: int,
    current_rows: int,
    methods: dict[str, str],
    drift: bool,
) -> None:
    cfg = config(
        tmp_path,
        source(
            tmp_path, logs(reference_rows=reference_rows, current_rows=current_rows, drift=drift)
        ),
    )
    monitor = only(cfg)
    store = Store.open(cfg.service.store_url)
    runner = Runner()
    sink = ReportSink(ReportPublisher(tmp_path / "reports", store, cfg.monitors))
    try:
        result = Pipeline(runner, store, [sink]).run(monitor, CURRENT_END)
        assert result.run_id is not None
        stored = store.get_run(result.run_id)
    finally:
        runner.engines.dispose()
        store.close()
    assert stored is not None and stored.dataset_drift is not None
    outcome = sink.last[monitor.name]
    assert outcome.error is None and outcome.path is not None and outcome.built is not None
    assert stored.report_path == outcome.path
    assert (tmp_path / "reports" / outcome.path).is_file()
    # The snapshot as JSON text, as Evidently serialises it.
    snapshot = json.loads(json.dumps(outcome.built.snapshot))

    tested = {c.column: c for c in stored.columns if c.status is ColumnStatus.OK}
    assert {c: tested[c].method for c in methods} == methods
    theirs = evidently_columns(snapshot)
    assert set(theirs) == set(tested)
    for name, ours in tested.items():
        assert ours.score is not None
        assert theirs[name]["score"] == pytest.approx(ours.score, rel=REL, abs=0), name
        assert theirs[name]["drifted"] == ours.drifted, name
        assert theirs[name]["method"] == ours.method, name
        assert theirs[name]["threshold"] == ours.threshold, name

    share, detected = evidently_dataset(snapshot)
    assert share == pytest.approx(stored.dataset_drift.share, rel=REL)
    assert detected == stored.dataset_drift.detected

    features = [c for c in tested.values() if c.role is Role.FEATURE]
    drifted = [c.column for c in features if c.drifted]
    if drift:
        # The data really drifted, so the comparison covered both verdicts.
        assert len(drifted) >= 4, drifted
        assert len(drifted) < len(features), drifted
        assert stored.dataset_drift.detected
    else:
        assert len(drifted) <= 1, drifted
        assert not stored.dataset_drift.detected


@pytest.mark.slow
def test_with_alert_hygiene_evidently_follows_the_test_alone(tmp_path: Path) -> None:
    """A correction or effect-size guard changes driftwarden's verdicts on purpose;
    Evidently's verdicts stay those of the test alone, and the header says which differ."""
    frame = logs(reference_rows=600, current_rows=300, drift=True)
    cfg = config(
        tmp_path,
        url := source(tmp_path, frame),
        monitor_dict(
            url,
            drift={
                "columns": {"tenure": {"method": "psi", "threshold": 0.2}},
                "correction": "bonferroni",
                "min_effect": 0.3,
            },
        ),
    )
    monitor = only(cfg)
    store = Store.open(cfg.service.store_url)
    runner = Runner()
    sink = ReportSink(ReportPublisher(tmp_path / "reports", store, cfg.monitors))
    try:
        result = Pipeline(runner, store, [sink]).run(monitor, CURRENT_END)
        stored = store.get_run(result.run_id or -1)
    finally:
        runner.engines.dispose()
        store.close()
    assert stored is not None
    outcome = sink.last[monitor.name]
    assert outcome.built is not None and outcome.path is not None
    theirs = evidently_columns(outcome.built.snapshot)
    page = read_page((tmp_path / "reports" / outcome.path).read_text())
    header = {r["column"]: r for r in page.rows("dw-columns")}
    flipped = []
    for c in stored.columns:
        if c.status is not ColumnStatus.OK:
            continue
        assert c.score is not None and c.threshold is not None
        alone = c.score < c.threshold if c.score_kind == "p_value" else c.score >= c.threshold
        assert theirs[c.column]["score"] == pytest.approx(c.score, rel=REL, abs=0), c.column
        assert theirs[c.column]["drifted"] == alone, c.column
        assert header[c.column]["same"] == "yes", c.column
        if alone != c.drifted:
            flipped.append(c.column)
            assert header[c.column]["drift"].startswith("no")
            assert "test alone: drift" in header[c.column]["drift"]
    assert flipped, "the guard changed no verdict; the test shows nothing"
    assert "alert hygiene" in page.header_text
