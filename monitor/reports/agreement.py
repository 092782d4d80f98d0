"""Read Evidently's verdicts from its dict snapshot and compare them with driftwarden's.

In the snapshot each ``ValueDrift`` metric carries the column's score as its
``value``, and its test (``Value Drift for column ...``) fails exactly when
Evidently detects drift; ``DriftedColumnsCount`` carries the dataset share and
its test fails when the share reaches ``drift_share``.

Evidently's verdict is the test alone: score against threshold. With the
monitor's alert hygiene on (a multiple-testing ``correction`` or a
``min_effect`` guard), driftwarden's final verdict can differ from it by
design, so the comparison is with the test's own verdict, and the reason for a
different final verdict is kept for the report to show.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor.result import ColumnResult, RunResult
from monitor.stats import StatTestRegistry

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
    """driftwarden's final verdict (what gauges and alerts use)."""
    test_drifted: bool
    """The verdict of the test alone, score against threshold (Evidently's rule)."""
    evidently_score: float | None
    evidently_drifted: bool | None
    hygiene: str | None = None
    """Why the final verdict differs from the test's own, when it does."""

    @property
    def agrees(self) -> bool:
        if self.evidently_score is None or self.evidently_drifted is None:
            return False
        return self.test_drifted == self.evidently_drifted and same_number(
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
    result: RunResult, verdicts: Mapping[str, EvidentlyVerdict], registry: StatTestRegistry
) -> tuple[ColumnAgreement, ...]:
    """One row per tested column whose test driftwarden knows."""
    rows = []
    for column in result.columns:
        if (
            column.score is None
            or column.drifted is None
            or column.method is None
            or column.threshold is None
            or column.method not in registry
        ):
            continue
        test_drifted = registry.get(column.method).drifted(column.score, column.threshold)
        theirs = verdicts.get(column.column)
        rows.append(
            ColumnAgreement(
                column=column.column,
                score=column.score,
                drifted=column.drifted,
                test_drifted=test_drifted,
                evidently_score=None if theirs is None else theirs.score,
                evidently_drifted=None if theirs is None else theirs.drifted,
                hygiene=None if test_drifted == column.drifted else _hygiene(column),
            )
        )
    return tuple(rows)


def _hygiene(c: ColumnResult) -> str:
    reasons = []
    if c.p_value_adjusted is not None:
        reasons.append(f"{c.correction}-adjusted p-value {c.p_value_adjusted:.4g}")
    if c.effect_method is not None and c.effect_size is not None:
        reasons.append(f"{c.effect_method} effect {c.effect_size:.4g} (needs {c.effect_threshold:g})")
    return "; ".join(reasons) or "alert hygiene"
