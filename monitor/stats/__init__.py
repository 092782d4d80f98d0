"""Pure drift statistics: numpy arrays in, scores out.

Nothing in this package touches a database, pandas or plotting.
"""

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest, TestOutcome
from monitor.stats.registry import StatTestRegistry, UnknownStatTestError, build_registry

__all__ = [
    "Comparison",
    "FeatureType",
    "ScoreKind",
    "StatTest",
    "StatTestRegistry",
    "TestOutcome",
    "UnknownStatTestError",
    "build_registry",
]
