"""The record every drift test carries, and the outcome it produces.

A drift test is a pure function of two prepared samples (reference, current;
see :mod:`monitor.stats.sample`) that returns a single score. Everything else a
caller needs to interpret that score — whether it is a p-value or a distance,
the default threshold, the comparison that turns score and threshold into a
verdict, the fewest values it needs — lives in the :class:`StatTest` record
next to the function.

Scores are never NaN verdicts: a test function returns NaN only where its
score is not defined (its ``note`` says when), and :meth:`StatTest.evaluate`
turns that into an outcome with status ``undefined`` and no verdict. A distance
too large to represent is reported as the largest finite float.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from monitor.stats.sample import Sample

Values = npt.NDArray[np.generic]
"""A 1-D array of one column's non-missing values (float64 or object/str)."""
Floats = npt.NDArray[np.float64]
Counts = npt.NDArray[np.int64]

LARGEST_SCORE = sys.float_info.max
"""A distance that overflows is reported as this value, so every score is finite."""


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


class OutcomeStatus(StrEnum):
    OK = "ok"
    TOO_FEW_VALUES = "too_few_values"
    """A window holds fewer values than the test needs (``StatTest.min_size``)."""
    UNDEFINED = "undefined"
    """The test has no score on these windows (the test's ``note`` says when)."""


StatFunc = Callable[["Sample", "Sample"], float]


@dataclass(frozen=True)
class TestOutcome:
    """One test applied to one column."""

    __test__ = False  # not a pytest test class

    method: str
    score_kind: ScoreKind
    threshold: float
    status: OutcomeStatus
    score: float | None
    """The score; None unless the status is ``ok``."""
    drifted: bool | None
    """The verdict; None unless the status is ``ok``."""


@dataclass(frozen=True)
class StatTest:
    """Metadata and implementation of one drift test."""

    __test__ = False  # not a pytest test class

    name: str
    """The config name (the same as Evidently's where Evidently has the test)."""
    display_name: str
    feature_types: frozenset[FeatureType]
    """Column types a config may name this test for (Evidently's allowed types).
    The default rule may still pick it for another type, as Evidently's does."""
    score_kind: ScoreKind
    default_threshold: float
    comparison: Comparison
    func: StatFunc
    evidently_name: str | None
    """The name Evidently registers this test under, or None when it has none
    (``note`` then says why)."""
    note: str = ""
    """Where the test's definition or edge cases differ from Evidently's, or why
    Evidently has no equivalent."""
    min_size: int = 1
    """Fewest values per window the test needs; fewer gives ``too_few_values``."""

    def score(self, reference: Sample, current: Sample) -> float:
        """The raw score; NaN where the test is not defined on these samples,
        including windows smaller than ``min_size``."""
        if reference.size < self.min_size or current.size < self.min_size:
            return math.nan
        value = float(self.func(reference, current))
        if value == math.inf:
            return LARGEST_SCORE
        return value

    def drifted(self, score: float, threshold: float) -> bool:
        """Verdict for a defined score."""
        return self.comparison.holds(score, threshold)

    def evaluate(self, reference: Sample, current: Sample, threshold: float) -> TestOutcome:
        """Score and verdict, or a status saying why there is none."""
        if reference.size < self.min_size or current.size < self.min_size:
            return self._without_verdict(OutcomeStatus.TOO_FEW_VALUES, threshold)
        score = self.score(reference, current)
        if math.isnan(score):
            return self._without_verdict(OutcomeStatus.UNDEFINED, threshold)
        return TestOutcome(
            method=self.name,
            score_kind=self.score_kind,
            threshold=threshold,
            status=OutcomeStatus.OK,
            score=score,
            drifted=self.drifted(score, threshold),
        )

    def _without_verdict(self, status: OutcomeStatus, threshold: float) -> TestOutcome:
        return TestOutcome(
            method=self.name,
            score_kind=self.score_kind,
            threshold=threshold,
            status=status,
            score=None,
            drifted=None,
        )
