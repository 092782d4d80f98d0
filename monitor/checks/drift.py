"""Drift of each column, and of the dataset as a whole.

One test per column, chosen in this order: the column's own ``method`` in the
config, the monitor's method for the column's type, then Evidently's default
rule. The threshold follows the same order, ending at the test's default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from monitor.columns import TypedColumn
from monitor.config.models import DriftConfig
from monitor.result import ColumnResult, ColumnStatus, DatasetDrift, Role
from monitor.stats import FeatureType, StatTest, StatTestRegistry


@dataclass(frozen=True)
class ColumnPair:
    reference: TypedColumn
    current: TypedColumn
    role: Role = Role.FEATURE


def choose_test(
    pair: ColumnPair, drift: DriftConfig, registry: StatTestRegistry
) -> tuple[StatTest, float]:
    kind = pair.reference.feature_type
    column = pair.reference.name
    override = drift.columns.get(column)
    name = override.method if override and override.method else None
    if name is None:
        name = drift.numerical_method if kind is FeatureType.NUMERICAL else drift.categorical_method
    if name is not None:
        test = registry.get(name, kind)
    else:
        n_unique = int(np.unique(np.concatenate([pair.reference.values, pair.current.values])).size)
        test = registry.default_for(kind, pair.reference.values.size, n_unique)
    threshold = override.threshold if override and override.threshold is not None else None
    if threshold is None:
        threshold = drift.threshold if drift.threshold is not None else test.default_threshold
    return test, threshold


def column_drift(
    pair: ColumnPair, drift: DriftConfig, registry: StatTestRegistry, *, min_rows: int = 1
) -> ColumnResult:
    ref, cur = pair.reference, pair.current
    untested = ColumnResult(
        column=ref.name,
        role=pair.role,
        feature_type=ref.feature_type.value,
        method=None,
        score_kind=None,
        score=None,
        threshold=None,
        drifted=None,
        status=ColumnStatus.INSUFFICIENT_DATA,
        rows_reference=int(ref.values.size),
        rows_current=int(cur.values.size),
        missing_reference=ref.missing,
        missing_current=cur.missing,
    )
    if ref.values.size < min_rows or cur.values.size < min_rows:
        return untested
    test, threshold = choose_test(pair, drift, registry)
    score = test.score(ref.values, cur.values, ref.feature_type)
    return dataclasses.replace(
        untested,
        method=test.name,
        score_kind=test.score_kind.value,
        score=score,
        threshold=threshold,
        drifted=test.drifted(score, threshold),
        status=ColumnStatus.OK,
    )


def dataset_drift(results: Iterable[ColumnResult], drift_share: float) -> DatasetDrift:
    """Share of drifted features among the features that could be tested."""
    tested = [r for r in results if r.role is Role.FEATURE and r.status is ColumnStatus.OK]
    drifted = sum(1 for r in tested if r.drifted)
    share = drifted / len(tested) if tested else 0.0
    return DatasetDrift(
        share=share,
        threshold=drift_share,
        detected=bool(tested) and share >= drift_share,
        drifted_columns=drifted,
        tested_columns=len(tested),
    )
