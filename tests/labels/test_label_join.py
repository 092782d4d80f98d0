"""Labels in their own table, joined to the predictions by id inside the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from monitor.config import load_config, parse_config
from monitor.result import MetricStatus, Role, RunStatus
from monitor.runner import Runner
from tests.conftest import write_table
from tests.factories import CURRENT_END, prediction_logs, write_config
from tests.labels.data import REFERENCE_END, START, config, in_window, labels_for, predictions

TICK = START + timedelta(days=1, hours=3)


def at(instant: datetime) -> Runner:
    return Runner(clock=lambda: instant)


def expected(frame: pd.DataFrame, labels: pd.DataFrame) -> dict[str, float]:
    """sklearn's figures on the predictions that have a label (labels: one row per id)."""
    joined = frame.merge(labels, left_on="pid", right_on="prediction_id", how="inner")
    y = joined["label"].to_numpy()
    return {
        "accuracy": accuracy_score(y, joined["pred"]),
        "f1": f1_score(y, joined["pred"]),
        "roc_auc": roc_auc_score(y, joined["proba"]),
    }


def write(url: str, frame: pd.DataFrame, labels: pd.DataFrame) -> None:
    write_table(url, "predictions", frame)
    write_table(url, "labels", labels)


def test_performance_uses_the_labels_known_when_it_runs(source_url: str, tmp_path: Path) -> None:
    frame = predictions()
    reference = frame[frame["ts"] < REFERENCE_END.replace(tzinfo=None)]
    early = labels_for(reference, REFERENCE_END)
    window = in_window(frame, TICK)
    late = labels_for(window, TICK + timedelta(hours=2), share=0.6, seed=3)
    write(source_url, frame, pd.concat([early, late], ignore_index=True))
    monitor = config(tmp_path / "c.toml", source_url, "sqlite://").monitors[0]
    assert monitor.target == "label"

    before = at(TICK + timedelta(minutes=1)).run(monitor, TICK)
    assert before.status is RunStatus.OK, before.error
    assert {m.status for m in before.metrics} == {MetricStatus.NO_LABELS}
    assert before.label_coverage == 0.0
    assert before.labels_known == 0

    after = at(TICK + timedelta(hours=2)).run(monitor, TICK)  # known_at <= run time
    figures = expected(window, late)
    assert {m.metric: m.value for m in after.metrics} == pytest.approx(figures, abs=1e-12)
    assert {m.metric: m.rows for m in after.metrics} == dict.fromkeys(figures, len(late))
    assert after.label_coverage == pytest.approx(len(late) / len(window))
    assert after.labels_known == len(late)
    # the label is tested for drift as the target, against the reference's labels
    target = [c for c in after.columns if c.role is Role.TARGET]
    assert [c.column for c in target] == ["label"]
    assert target[0].rows_reference == len(reference)


def test_the_latest_known_label_of_an_id_wins(source_url: str, tmp_path: Path) -> None:
    frame = predictions()
    reference = frame[frame["ts"] < REFERENCE_END.replace(tzinfo=None)]
    window = in_window(frame, TICK)
    first = labels_for(window, TICK, seed=3)
    corrected = first.copy()
    corrected["label"] = 1 - corrected["label"]  # every label corrected an hour later
    corrected["known_at"] = corrected["known_at"] + timedelta(hours=1)
    future = first.copy()
    future["known_at"] = future["known_at"] + timedelta(days=30)  # not known yet
    labels = pd.concat(
        [labels_for(reference, REFERENCE_END), first, corrected, future], ignore_index=True
    )
    write(source_url, frame, labels)
    monitor = config(tmp_path / "c.toml", source_url, "sqlite://").monitors[0]

    result = at(TICK + timedelta(hours=1)).run(monitor, TICK)
    figures = expected(window, corrected)
    assert {m.metric: m.value for m in result.metrics} == pytest.approx(figures, abs=1e-12)
    assert result.label_coverage == 1.0
    # every label row known for the window counts: a correction changes the count
    assert result.labels_known == 2 * len(window)
    earlier = at(TICK + timedelta(minutes=30)).run(monitor, TICK)
    assert {m.metric: m.value for m in earlier.metrics} == pytest.approx(
        expected(window, first), abs=1e-12
    )
    assert earlier.labels_known == len(window)


# SQLite has no time-zone-aware type ('text-offset' is its aware storage).
STORAGES = [
    *(("sqlite", kind) for kind in ("naive", "text-offset", "epoch")),
    *(("postgresql", kind) for kind in ("aware", "naive", "text-offset", "epoch")),
]


@pytest.mark.parametrize(("source_url", "kind"), STORAGES, indirect=["source_url"])
def test_label_timestamps_in_any_storage_mean_the_same_instant(
    source_url: str, tmp_path: Path, kind: str
) -> None:
    """The labels' timestamp column is probed like the predictions' (timestamptz,
    naive UTC, ISO text with an offset, epoch seconds); the cut-off is the same instant."""
    frame = predictions()
    reference = frame[frame["ts"] < REFERENCE_END.replace(tzinfo=None)]
    window = in_window(frame, TICK)
    rng = np.random.default_rng(7)
    known = [TICK + timedelta(minutes=int(m)) for m in rng.integers(0, 120, len(window))]
    labels = pd.concat(
        [labels_for(reference, REFERENCE_END), labels_for(window, TICK, seed=4)],
        ignore_index=True,
    )
    instants = [REFERENCE_END] * (len(labels) - len(window)) + known
    plus_two = timezone(timedelta(hours=2))
    if kind == "aware":
        labels["known_at"] = pd.Series([t.astimezone(plus_two) for t in instants], dtype=object)
        dtype = {"known_at": sa.DateTime(timezone=True)}
    elif kind == "naive":
        labels["known_at"] = [t.astimezone(UTC).replace(tzinfo=None) for t in instants]
        dtype = {"known_at": sa.DateTime()}
    elif kind == "text-offset":
        labels["known_at"] = [t.astimezone(plus_two).isoformat() for t in instants]
        dtype = {"known_at": sa.Text()}
    else:
        labels["known_at"] = [t.timestamp() for t in instants]
        dtype = {"known_at": sa.Float()}
    write_table(source_url, "predictions", frame)
    write_table(source_url, "labels", labels, dtype=dtype)
    monitor = config(tmp_path / "c.toml", source_url, "sqlite://").monitors[0]

    cut = TICK + timedelta(minutes=60)
    result = at(cut).run(monitor, TICK)
    assert result.status is RunStatus.OK, result.error
    in_time = labels.iloc[len(labels) - len(window) :][[t <= cut for t in known]]
    assert result.labels_known == len(in_time)
    figures = expected(window, in_time)
    assert {m.metric: m.value for m in result.metrics} == pytest.approx(figures, abs=1e-12)


def test_labels_from_a_query_and_ids_without_predictions(source_url: str, tmp_path: Path) -> None:
    frame = predictions()
    reference = frame[frame["ts"] < REFERENCE_END.replace(tzinfo=None)]
    window = in_window(frame, TICK)
    wanted = labels_for(window, TICK, share=0.5)
    stray = pd.DataFrame(
        {"prediction_id": [10**9], "label": [1], "known_at": [TICK.replace(tzinfo=None)]}
    )
    other = labels_for(window, TICK, seed=9)  # filtered out by the query
    labels = pd.concat([labels_for(reference, REFERENCE_END), wanted, stray], ignore_index=True)
    labels["source"] = "crm"
    other["source"] = "manual"
    write(source_url, frame, pd.concat([labels, other], ignore_index=True))
    query = "query = \"SELECT prediction_id, label, known_at FROM labels WHERE source = 'crm'\""
    monitor = config(tmp_path / "c.toml", source_url, "sqlite://", labels=query).monitors[0]
    result = at(TICK + timedelta(hours=1)).run(monitor, TICK)
    assert result.status is RunStatus.OK, result.error
    assert result.rows_current == len(window)  # a LEFT JOIN: no row lost, none added
    assert result.labels_known == len(wanted)
    assert result.label_coverage == pytest.approx(len(wanted) / len(window))
    assert {m.metric: m.value for m in result.metrics} == pytest.approx(
        expected(window, wanted), abs=1e-12
    )


def test_a_missing_labels_table_is_an_error_result_naming_it(
    source_url: str, tmp_path: Path
) -> None:
    write_table(source_url, "predictions", predictions())
    monitor = config(tmp_path / "c.toml", source_url, "sqlite://").monitors[0]
    result = at(TICK).run(monitor, TICK)
    assert result.status is RunStatus.ERROR
    assert result.error is not None and "churn" in result.error
    assert "labels" in result.error


def test_coverage_of_a_target_in_the_predictions_table(sqlite_url: str, tmp_path: Path) -> None:
    """Without a labels table the coverage is the share of rows whose target is set."""
    data = prediction_logs(drift=False)
    data["churned"] = data["churned"].astype(object)
    current = data["ts"] >= (CURRENT_END - timedelta(days=1)).replace(tzinfo=None)
    rng = np.random.default_rng(3)
    unlabelled = current & (rng.random(len(data)) < 0.3)
    data.loc[unlabelled, "churned"] = None
    write_table(sqlite_url, "predictions", data)
    path = write_config(tmp_path / "c.toml", sqlite_url, "sqlite://")
    monitor = load_config(path, environ={}).monitors[0]
    result = Runner().run(monitor, CURRENT_END)
    assert result.status is RunStatus.OK, result.error
    assert result.label_coverage == pytest.approx(1 - unlabelled.sum() / current.sum())
    assert result.labels_known is None  # counted only for a labels table


def test_a_reference_is_fitted_again_when_its_labels_source_changes(
    sqlite_url: str, tmp_path: Path
) -> None:
    frame = predictions()
    reference = frame[frame["ts"] < REFERENCE_END.replace(tzinfo=None)]
    ones = pd.concat(
        [labels_for(reference, REFERENCE_END), labels_for(in_window(frame, TICK), TICK)],
        ignore_index=True,
    )
    ones["label"] = 1
    write(sqlite_url, frame, labels_for(reference, REFERENCE_END))
    write_table(sqlite_url, "labels_ones", ones)
    first = config(tmp_path / "a.toml", sqlite_url, "sqlite://").monitors[0]
    other = config(
        tmp_path / "b.toml", sqlite_url, "sqlite://", labels='table = "labels_ones"'
    ).monitors[0]
    runner = at(TICK + timedelta(hours=1))
    runner.run(first, TICK)
    runner.run(first, TICK)
    assert (runner.profiles.misses, runner.profiles.hits) == (1, 1)
    result = runner.run(other, TICK)
    assert runner.profiles.misses == 2
    # the reference's labels are the other table's (all 1)
    (accuracy,) = [m for m in result.metrics if m.metric == "accuracy"]
    assert accuracy.reference_value == pytest.approx(float((reference["pred"] == 1).mean()))


def test_predictions_from_a_query_are_joined_too(source_url: str, tmp_path: Path) -> None:
    frame = predictions()
    reference = frame[frame["ts"] < REFERENCE_END.replace(tzinfo=None)]
    window = in_window(frame, TICK)
    known = labels_for(window, TICK, share=0.5, seed=8)
    write(source_url, frame, pd.concat([labels_for(reference, REFERENCE_END), known]))
    path = tmp_path / "c.toml"
    config(path, source_url, "sqlite://")
    text = path.read_text().replace(
        'table = "predictions"', 'query = "SELECT * FROM predictions WHERE pid > 0"'
    )
    monitor = parse_config(text, environ={}).monitors[0]
    assert monitor.query is not None
    result = at(TICK + timedelta(hours=1)).run(monitor, TICK)
    assert result.status is RunStatus.OK, result.error
    assert result.labels_known == len(known)
    assert result.label_coverage == pytest.approx(len(known) / len(window))
    assert {m.metric: m.value for m in result.metrics} == pytest.approx(
        expected(window, known), abs=1e-12
    )
