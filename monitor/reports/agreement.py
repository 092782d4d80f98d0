"""Read Evidently's verdicts from its dict snapshot and compare them with driftwarden's.

In the snapshot each ``ValueDrift`` metric carries the column's score as its
``value``, and its test (``Value Drift for column ...``) fails exactly when
Evidently detects drift; ``DriftedColumnsCount`` carries the dataset share and
its test fails when the share reaches ``drift_share``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor.result import RunResult

VALUE_DRIFT = "evidently:metric_v2:ValueDrift"
DRIFTED_COLUMNS = "evidently:metric_v2:DriftedColumnsCount"
FAIL = "FAIL"
REL_TOLERANCE = 1e-9


@dataclass(frozen=True)
class EvidentlyVerdict:
    score: float
    drifted: bool


@dataclass(frozen=True)
class EvidentlyDataset:
    share: float
    detected: bool


@dataclass(frozen=True)
class ColumnAgreement:
    column: str
    score: float
    drifted: bool
    evidently_score: float | None
    evidently_drifted: bool | None

    @property
    def agrees(self) -> bool:
        if self.evidently_score is None or self.evidently_drifted is None:
            return False
        return self.drifted == self.evidently_drifted and same_number(
            self.score, self.evidently_score
        )


def same_number(a: float, b: float, rel: float = REL_TOLERANCE) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=rel, abs_tol=0.0) or a == b


def _statuses(snapshot: Mapping[str, Any]) -> dict[str, str]:
    """Test status by the fingerprint of the metric it tests."""
    out: dict[str, str] = {}
    for test in snapshot.get("tests", []):
        fingerprint = (test.get("metric_config") or {}).get("metric_id")
        if fingerprint is not None:
            status = test.get("status")
            # The dict holds Evidently's TestStatus enum; its JSON form holds the text.
            out[fingerprint] = str(getattr(status, "value", status))
    return out


def column_verdicts(snapshot: Mapping[str, Any]) -> dict[str, EvidentlyVerdict]:
    """Evidently's score and verdict for each column it tested for drift."""
    statuses = _statuses(snapshot)
    out: dict[str, EvidentlyVerdict] = {}
    for metric in snapshot.get("metrics", []):
        config = metric.get("config") or {}
        if config.get("type") != VALUE_DRIFT or metric.get("id") not in statuses:
            continue
        out[str(config["column"])] = EvidentlyVerdict(
            score=float(metric["value"]), drifted=statuses[metric["id"]] == FAIL
        )
    return out


def dataset_verdict(snapshot: Mapping[str, Any]) -> EvidentlyDataset | None:
    statuses = _statuses(snapshot)
    for metric in snapshot.get("metrics", []):
        config = metric.get("config") or {}
        if config.get("type") == DRIFTED_COLUMNS and metric.get("id") in statuses:
            return EvidentlyDataset(
                share=float(metric["value"]["share"]),
                detected=statuses[metric["id"]] == FAIL,
            )
    return None


def compare(
    result: RunResult, verdicts: Mapping[str, EvidentlyVerdict]
) -> tuple[ColumnAgreement, ...]:
    """One row per column both sides should have tested (driftwarden's tested columns)."""
    rows = []
    for column in result.columns:
        if column.score is None or column.drifted is None:
            continue
        theirs = verdicts.get(column.column)
        rows.append(
            ColumnAgreement(
                column=column.column,
                score=column.score,
                drifted=column.drifted,
                evidently_score=None if theirs is None else theirs.score,
                evidently_drifted=None if theirs is None else theirs.drifted,
            )
        )
    return tuple(rows)
