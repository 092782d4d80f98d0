"""``mode = "aggregate"``: the database computes the current window's counts.

In this mode a monitor never fetches the current window's rows: the source
database returns histograms, category counts, missing counts, extremes and the
sums behind the performance metrics (see :mod:`monitor.aggregate`). Options
live in ``[monitors.aggregate]``; this module also checks that nothing the
monitor asks for needs the raw rows, naming the monitor, the field, the column
and the tests that are available.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from monitor.config.base import Strict
from monitor.stats import FeatureType, ScoreKind, StatTestRegistry
from monitor.stats.aggregate import AGGREGATE_METHODS, allowed

if TYPE_CHECKING:
    from monitor.config.models import MonitorConfig

Mode = Literal["rows", "aggregate"]


class AggregateConfig(Strict):
    """``[monitors.aggregate]``: how aggregate mode bins and counts."""

    quantile_bins: int = Field(default=100, ge=10, le=2000)
    """Quantile bins of the reference that numerical columns are counted on (``ks``,
    ``wasserstein``, out-of-range share). More bins tighten the error bound of ``ks``
    (about 1 / bins) and ``wasserstein`` at the cost of a longer expression per column."""
    max_groups: int = Field(default=10_000, ge=10)
    """Most distinct values fetched per categorical column (or numerical column with
    20 distinct reference values or fewer); a current window with more is an error."""


def check_aggregate(monitor: MonitorConfig, registry: StatTestRegistry) -> list[str]:
    """What a monitor in aggregate mode asks for that needs raw rows (empty when fine)."""
    if monitor.mode != "aggregate":
        return []
    who = f"monitor {monitor.name!r}"
    problems = [f"{who}: {p}" for p in _refused_features(monitor)]
    problems += [f"{who}: {p}" for p in _refused_methods(monitor, registry)]
    return problems


def _refused_features(monitor: MonitorConfig) -> list[str]:
    out = []
    if monitor.multivariate.enabled:
        out.append(
            "field 'multivariate.enabled': multivariate drift fits models on rows and is not "
            "available with mode = 'aggregate'; expected false"
        )
    if monitor.latency_column is not None:
        out.append(
            "field 'latency_column': latency quantiles need the rows and are not available "
            "with mode = 'aggregate'; expected no latency_column"
        )
    if monitor.labels is not None:
        out.append(
            "field 'labels': labels joined from their own table are not available with "
            "mode = 'aggregate'; expected the target column in the predictions table"
        )
    if monitor.estimated:
        out.append(
            "field 'estimated': performance estimation (CBPE) calibrates each row's score and "
            "is not available with mode = 'aggregate'; expected no [[monitors.estimated]]"
        )
    for i, check in enumerate(monitor.performance):
        if check.metric.value == "roc_auc":
            out.append(
                f"field 'performance[{i}].metric': 'roc_auc' ranks every score and is not "
                "available with mode = 'aggregate'; expected one of: accuracy, f1, precision, "
                "recall"
            )
    return out


def _refused_methods(monitor: MonitorConfig, registry: StatTestRegistry) -> list[str]:
    drift = monitor.drift
    wanted: list[tuple[str, str, str, list[FeatureType]]] = []
    both = [FeatureType.NUMERICAL, FeatureType.CATEGORICAL]
    if drift.numerical_method:
        wanted.append(
            (
                "drift.numerical_method",
                "every numerical column",
                drift.numerical_method,
                [FeatureType.NUMERICAL],
            )
        )
    if drift.categorical_method:
        wanted.append(
            (
                "drift.categorical_method",
                "every categorical column",
                drift.categorical_method,
                [FeatureType.CATEGORICAL],
            )
        )
    for column, override in drift.columns.items():
        if override.method is None:
            continue
        kinds = both
        if column in (monitor.numerical or []):
            kinds = [FeatureType.NUMERICAL]
        elif column in (monitor.categorical or []):
            kinds = [FeatureType.CATEGORICAL]
        wanted.append(
            (f"drift.columns.{column}.method", f"column {column!r}", override.method, kinds)
        )
    guard = drift.min_effect
    if guard is not None:
        wanted.append(
            (
                "drift.min_effect.numerical_method",
                "every numerical column",
                guard.numerical_method,
                [FeatureType.NUMERICAL],
            )
        )
        wanted.append(
            (
                "drift.min_effect.categorical_method",
                "every categorical column",
                guard.categorical_method,
                [FeatureType.CATEGORICAL],
            )
        )
    out = []
    for field, where, name, kinds in wanted:
        if name not in registry:
            continue  # unknown names are reported by the drift method check
        applicable = [k for k in kinds if k in registry.get(name).feature_types] or kinds
        refused = [k for k in applicable if not allowed(name, k)]
        if len(refused) < len(applicable):
            continue
        kind = refused[0]
        choices = list(AGGREGATE_METHODS[kind])
        if field.startswith("drift.min_effect"):
            choices = [c for c in choices if registry.get(c).score_kind is ScoreKind.DISTANCE]
        out.append(
            f"field {field!r} ({where}): drift test {name!r} needs the raw rows and is not "
            f"available with mode = 'aggregate'; expected one of: {', '.join(choices)}"
        )
    return out
