"""Pure drift statistics: prepared samples in, scores out.

Nothing in this package touches a database, pandas or plotting.
"""

from monitor.stats.base import (
    Comparison,
    FeatureType,
    OutcomeStatus,
    ScoreKind,
    StatTest,
    TestOutcome,
)
from monitor.stats.registry import StatTestRegistry, UnknownStatTestError, build_registry
from monitor.stats.sample import Sample, distinct_values

__all__ = [
    "Comparison",
    "FeatureType",
    "OutcomeStatus",
    "Sample",
    "ScoreKind",
    "StatTest",
    "StatTestRegistry",
    "TestOutcome",
    "UnknownStatTestError",
    "build_registry",
    "distinct_values",
]
