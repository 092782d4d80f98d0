"""Run Evidently on a report plan. The only module that imports Evidently.

Evidently is imported inside :func:`run_evidently`, so importing driftwarden
(or running a monitor) never pays for it: the import alone takes seconds.

Evidently's own pass/fail tests are enabled only for drift (they carry its
per-column verdicts into the snapshot); its default performance tests compare
against the reference with its own tolerances, which are not driftwarden's
checks, so they are switched off.
"""

from __future__ import annotations

import dataclasses
import json
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from monitor.config.models import Task
from monitor.reports.plan import PerformancePlan, ReportPlan

SCORES_CLASSIFICATION = "scores"
"""Evidently name of the classification read from the score column (for ROC AUC)."""


@dataclass(frozen=True)
class EvidentlyRun:
    html: str
    """Evidently's self-contained HTML page (its JavaScript embedded)."""
    snapshot: dict[str, Any]
    """Evidently's JSON snapshot of the drift panels, parsed: ``{"metrics": [...], "tests": [...]}``."""
    performance_rows: tuple[int, int] | None = None
    """Labelled (reference, current) rows the performance panels use, when they exist."""


def run_evidently(
    plan: ReportPlan,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    timestamp: datetime | None = None,
) -> EvidentlyRun:
    """Compute the planned Evidently report on the typed frames.

    Drift uses every row given; performance uses only the rows with a label and a
    prediction (Evidently's classification code breaks on missing labels), so it is
    a second Evidently run whose panels are appended to the first one's page.
    """
    with warnings.catch_warnings():
        # Evidently warns about its own deprecations; nothing here can act on them.
        warnings.simplefilter("ignore")
        from evidently import DataDefinition, Dataset, Report

        definition = DataDefinition(
            numerical_columns=list(plan.numerical), categorical_columns=list(plan.categorical)
        )
        drift = Report(_drift_metrics(plan), include_tests=True).run(
            Dataset.from_pandas(as_categories(current, plan.categorical), data_definition=definition),
            Dataset.from_pandas(as_categories(reference, plan.categorical), data_definition=definition),
            timestamp=timestamp,
        )
        snapshots = [drift]
        rows = None
        if plan.performance is not None:
            ref, cur, p = integer_labels(
                labelled(reference, plan.performance),
                labelled(current, plan.performance),
                plan.performance,
            )
            rows = (len(ref), len(cur))
            performance_definition = DataDefinition(
                numerical_columns=[c for c in plan.numerical if c in ref.columns],
                categorical_columns=[c for c in plan.categorical if c in ref.columns],
                **_task_definition(p),
            )
            snapshots.append(
                Report(_performance_metrics(p), include_tests=False).run(
                    Dataset.from_pandas(cur, data_definition=performance_definition),
                    Dataset.from_pandas(ref, data_definition=performance_definition),
                    timestamp=timestamp,
                )
            )
        return EvidentlyRun(
            html=_html(snapshots), snapshot=json.loads(drift.json()), performance_rows=rows
        )


def as_categories(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Text columns as pandas categoricals: the same strings, counted several times faster
    by Evidently's drift code (the agreement tests hold it to the same scores)."""
    out = frame.copy(deep=False)
    for column in columns:
        if out[column].dtype == object:
            out[column] = out[column].astype("category")
    return out


def labelled(frame: pd.DataFrame, p: PerformancePlan) -> pd.DataFrame:
    """The rows with a label and every prediction column, only those columns."""
    columns = [c for c in (p.target, p.prediction, p.score) if c is not None]
    kept = frame[columns]
    return kept[kept.notna().all(axis=1)].reset_index(drop=True)


_INTEGER = re.compile(r"^-?\d+$")


def integer_labels(
    reference: pd.DataFrame, current: pd.DataFrame, p: PerformancePlan
) -> tuple[pd.DataFrame, pd.DataFrame, PerformancePlan]:
    """Class labels that are all whole numbers (``"0"``/``"1"``), as integers.

    scikit-learn, under Evidently's classification panels, sorts object arrays of
    text labels dozens of times over; integer labels make those panels about ten
    times faster and display the same.
    """
    if p.task is Task.REGRESSION:
        return reference, current, p
    columns = [c for c in (p.target, p.prediction) if c is not None]
    values = {str(v) for f in (reference, current) for c in columns for v in f[c].unique()}
    if not all(_INTEGER.match(v) for v in values | {str(p.positive_label)}):
        return reference, current, p
    converted = []
    for frame in (reference, current):
        frame = frame.copy()
        for column in columns:
            frame[column] = frame[column].astype("int64")
        converted.append(frame)
    return converted[0], converted[1], dataclasses.replace(p, positive_label=int(p.positive_label))


def _html(snapshots: list[Any]) -> str:
    """One page holding every snapshot's panels, in order."""
    if len(snapshots) == 1:
        return str(snapshots[0].get_html_str(as_iframe=False))
    from evidently.core.report import Snapshot

    model = snapshots[0].to_snapshot_model()
    for other in snapshots[1:]:
        extra = other.to_snapshot_model()
        model.widgets = [*model.widgets, *extra.widgets]
        model.metric_results = {**model.metric_results, **extra.metric_results}
        model.top_level_metrics = [*model.top_level_metrics, *extra.top_level_metrics]
    return str(Snapshot.load_model(model).get_html_str(as_iframe=False))


def _drift_metrics(plan: ReportPlan) -> list[Any]:
    from evidently.metrics import ValueDrift
    from evidently.presets import DataDriftPreset

    items: list[Any] = []
    if plan.features:
        items.append(
            DataDriftPreset(
                columns=[c.column for c in plan.features],
                drift_share=plan.drift_share,
                per_column_method={c.column: c.evidently_method for c in plan.features},
                per_column_threshold={c.column: c.threshold for c in plan.features},
            )
        )
    items.extend(
        ValueDrift(column=c.column, method=c.evidently_method, threshold=c.threshold)
        for c in plan.roles
    )
    return items


def _task_definition(performance: PerformancePlan) -> dict[str, Any]:
    from evidently import BinaryClassification, MulticlassClassification, Regression

    p = performance
    if p.task is Task.REGRESSION:
        assert p.prediction is not None
        return {"regression": [Regression(target=p.target, prediction=p.prediction)]}
    if p.task is Task.MULTICLASS:
        assert p.prediction is not None
        return {
            "classification": [
                MulticlassClassification(target=p.target, prediction_labels=p.prediction)
            ]
        }
    # Binary: the preset reads the predicted labels, so its accuracy, precision, recall
    # and F1 are those of the model's own decisions (given the score, Evidently would
    # cut it at 0.5 instead); the score feeds ROC AUC only, which needs no cut.
    tasks: list[Any] = []
    if p.prediction is not None:
        tasks.append(
            BinaryClassification(
                target=p.target, prediction_labels=p.prediction, pos_label=p.positive_label
            )
        )
    if p.score is not None:
        tasks.append(
            BinaryClassification(
                name=SCORES_CLASSIFICATION,
                target=p.target,
                prediction_probas=p.score,
                pos_label=p.positive_label,
            )
        )
    return {"classification": tasks}


def _performance_metrics(p: PerformancePlan) -> list[Any]:
    from evidently.core.metric_types import MeanStdMetricTests
    from evidently.metrics import RocAuc
    from evidently.presets import ClassificationPreset, RegressionPreset

    if p.task is Task.REGRESSION:
        # Explicit empty tests: Evidently 0.7's include_tests=False breaks this preset.
        none = MeanStdMetricTests(mean=[], std=[])
        return [
            RegressionPreset(
                mean_error_tests=none,
                mape_tests=none,
                mae_tests=none,
                rmse_tests=[],
                r2score_tests=[],
                abs_max_error_tests=[],
            )
        ]
    items: list[Any] = []
    if p.prediction is not None:
        items.append(
            ClassificationPreset(
                include_tests=False,
                # Explicit empty by-label tests: without them include_tests=False fails.
                f1score_by_label_tests={},
                precision_by_label_tests={},
                recall_by_label_tests={},
                rocauc_by_label_tests={},
            )
        )
    if p.score is not None:
        items.append(RocAuc(classification_name=SCORES_CLASSIFICATION, tests=[]))
    return items
