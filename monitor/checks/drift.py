"""Drift of each column, and of the dataset as a whole.

One test per column, chosen in this order: the column's own ``method`` in the
config, the monitor's method for the column's type, then Evidently's default
rule. The threshold follows the same order, ending at the test's default.

Alert hygiene (see docs/drift-options.md), all off by default so verdicts agree
with Evidently:

- ``min_rows``: a column with fewer non-missing values in either window is
  ``insufficient_data`` and has no verdict.
- ``min_effect``: a p-value test's drift verdict also needs a distance (normed
  Wasserstein, Jensen-Shannon) of at least the given size.
- ``correction``: the p-values of one run are adjusted together (Bonferroni or
  Benjamini-Hochberg) and verdicts follow the adjusted values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from monitor.aggregate.column import CountedColumn
from monitor.checks.correction import adjust
from monitor.columns import TypedColumn
from monitor.config.models import Correction, DriftConfig
from monitor.result import ColumnResult, ColumnStatus, DatasetDrift, Role
from monitor.stats import (
    FeatureType,
    OutcomeStatus,
    Sample,
    ScoreKind,
    StatTest,
    StatTestRegistry,
    distinct_values,
)
from monitor.stats.registry import FEW_UNIQUE

_STATUS = {
    OutcomeStatus.OK: ColumnStatus.OK,
    OutcomeStatus.TOO_FEW_VALUES: ColumnStatus.INSUFFICIENT_DATA,
    OutcomeStatus.UNDEFINED: ColumnStatus.UNDEFINED,
}


@dataclass(frozen=True)
class ColumnPair:
    reference: TypedColumn
    current: TypedColumn | CountedColumn
    """The current window's values, or its counts in aggregate mode."""
    role: Role = Role.FEATURE


def choose_test(
    pair: ColumnPair,
    drift: DriftConfig,
    registry: StatTestRegistry,
    *,
    current: Sample | None = None,
) -> tuple[StatTest, float]:
    """The column's test and threshold; ``current`` is the current window's
    sample when the caller already holds one (the default rule may count its
    distinct values)."""
    kind = pair.reference.feature_type
    column = pair.reference.name
    override = drift.columns.get(column)
    name = override.method if override and override.method else None
    if name is None:
        name = drift.numerical_method if kind is FeatureType.NUMERICAL else drift.categorical_method
    if name is not None:
        test = registry.get(name, kind)
    else:
        current = current if current is not None else pair.current.sample
        n_unique = distinct_values(pair.reference.sample, current, cap=FEW_UNIQUE)
        test = registry.default_for(kind, pair.reference.values.size, n_unique)
    threshold = override.threshold if override and override.threshold is not None else None
    if threshold is None:
        threshold = drift.threshold if drift.threshold is not None else test.default_threshold
    return test, threshold


def effect_test(
    pair: ColumnPair, drift: DriftConfig, registry: StatTestRegistry
) -> tuple[StatTest, float] | None:
    """The distance test and size of the effect-size guard, when one is configured."""
    guard = drift.min_effect
    if guard is None:
        return None
    kind = pair.reference.feature_type
    name = guard.numerical_method if kind is FeatureType.NUMERICAL else guard.categorical_method
    return registry.get(name, kind), guard.value


def column_drift(
    pair: ColumnPair,
    drift: DriftConfig,
    registry: StatTestRegistry,
    *,
    min_rows: int | None = None,
) -> ColumnResult:
    """One column's test, score and verdict (before any multiple-testing correction).

    ``min_rows`` defaults to the config's ``min_rows``: the non-missing values
    each window needs for the column to be tested.
    """
    if min_rows is None:
        min_rows = drift.min_rows
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
        rows_current=cur.present,
        missing_reference=ref.missing,
        missing_current=cur.missing,
    )
    if ref.values.size < min_rows or cur.present < min_rows:
        return untested
    # What a test derives from the current window (a sorted copy of a numerical
    # column) serves this column only: a local sample lets it go when done. The
    # reference sample is the cached profile's, prepared once.
    current = cur.new_sample()
    test, threshold = choose_test(pair, drift, registry, current=current)
    outcome = test.evaluate(ref.sample, current, threshold)
    result = dataclasses.replace(
        untested,
        method=outcome.method,
        score_kind=outcome.score_kind.value,
        score=outcome.score,
        threshold=outcome.threshold,
        drifted=outcome.drifted,
        status=_STATUS[outcome.status],
    )
    if outcome.status is not OutcomeStatus.OK:
        return result
    guard = effect_test(pair, drift, registry) if test.score_kind is ScoreKind.P_VALUE else None
    if guard is None:
        return result
    effect, size = guard
    effect_size = effect.score(ref.sample, current)
    return dataclasses.replace(
        result,
        effect_method=effect.name,
        effect_size=effect_size,
        effect_threshold=size,
        drifted=result.drifted and effect.drifted(effect_size, size),
    )


def correct(
    results: Sequence[ColumnResult], correction: Correction, registry: StatTestRegistry
) -> tuple[ColumnResult, ...]:
    """Adjust the p-values of one run together and recompute their verdicts.

    The family is every tested column whose score is a finite p-value, of every
    role (prediction and target drift can alert too). ``score`` keeps the raw
    p-value; ``p_value_adjusted`` holds the adjusted one and ``drifted`` follows
    it (and the effect-size guard, when set).
    """
    if correction is Correction.NONE:
        return tuple(results)
    family = [
        i
        for i, r in enumerate(results)
        if r.status is ColumnStatus.OK
        and r.score_kind == ScoreKind.P_VALUE.value
        and r.score is not None
        and not np.isnan(r.score)
    ]
    adjusted = adjust(np.array([results[i].score for i in family], dtype=np.float64), correction)
    out = list(results)
    for i, p_adjusted in zip(family, adjusted.tolist(), strict=True):
        r = results[i]
        assert r.method is not None and r.threshold is not None
        drifted = registry.get(r.method).drifted(p_adjusted, r.threshold)
        if r.effect_method is not None:
            assert r.effect_size is not None and r.effect_threshold is not None
            effect = registry.get(r.effect_method)
            drifted = drifted and effect.drifted(r.effect_size, r.effect_threshold)
        out[i] = dataclasses.replace(
            r, p_value_adjusted=p_adjusted, correction=correction.value, drifted=drifted
        )
    return tuple(out)


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
