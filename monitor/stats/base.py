"""The record every drift test carries, and the result it produces.

A drift test is a pure function of two 1-D numpy arrays (reference values,
current values) that returns a single score. Everything else a caller needs to
interpret that score — whether it is a p-value or a distance, the default
threshold, the comparison that turns score and threshold into a verdict — lives
in the :class:`StatTest` record next to the function.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

Values = npt.NDArray[np.generic]
"""A 1-D array of one column's non-missing values (float64 or object/str)."""


class FeatureType(StrEnum):
    NUMERICAL = "numerical"
    CATEGORICAL = "categorical"


class ScoreKind(StrEnum):
    """How a score relates to drift."""

    P_VALUE = "p_value"
    """Small means drift: drift when the p-value is below the threshold."""
    DISTANCE = "distance"
    """Large means drift: drift when the distance reaches the threshold."""


class Comparison(StrEnum):
    """The exact comparison of score against threshold that signals drift.

    Evidently is not uniform here (``ks`` uses ``<=``, ``chisquare`` uses ``<``,
    ``ed`` uses ``>``); each test records its own so verdicts agree exactly.
    """

    LT = "<"
    LE = "<="
    GE = ">="
    GT = ">"

    def holds(self, score: float, threshold: float) -> bool:
        if self is Comparison.LT:
            return score < threshold
        if self is Comparison.LE:
            return score <= threshold
        if self is Comparison.GE:
            return score >= threshold
        return score > threshold


StatFunc = Callable[[Values, Values, FeatureType], float]


@dataclass(frozen=True)
class StatTest:
    """Metadata and implementation of one drift test."""

    name: str
    display_name: str
    feature_types: frozenset[FeatureType]
    score_kind: ScoreKind
    default_threshold: float
    comparison: Comparison
    func: StatFunc
    evidently_name: str | None
    """The name Evidently registers this test under, or None when it has none."""
    note: str = ""

    def score(self, reference: Values, current: Values, feature_type: FeatureType) -> float:
        return float(self.func(reference, current, feature_type))

    def drifted(self, score: float, threshold: float) -> bool:
        """Verdict for a score; a NaN score is never drift (callers flag it separately)."""
        if math.isnan(score):
            return False
        return self.comparison.holds(score, threshold)


@dataclass(frozen=True)
class TestOutcome:
    """One test applied to one column."""

    method: str
    score: float
    threshold: float
    score_kind: ScoreKind
    drifted: bool
