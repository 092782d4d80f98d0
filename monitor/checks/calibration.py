"""Calibration of a binary classifier's scores, fitted on the reference window.

Confidence-based performance estimation reads a score as the probability that
the row is positive; that holds only for calibrated scores. As NannyML does, the
scores are calibrated with isotonic regression fitted on the reference window,
but only when that helps: the reference is split ten times (stratified, 90/10,
seed 42), a calibrator fitted on each larger part calibrates the smaller one, and
calibration is kept when the expected calibration error (ECE, ten bins of equal
count) of the held-out parts is lower after calibration than before. It is
skipped when the reference has one class only or the scores already separate the
classes almost perfectly (ROC AUC above 0.999). Scores outside [0, 1] are not
probabilities and are always calibrated.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from monitor.checks import metrics

if TYPE_CHECKING:  # scikit-learn is imported on first use: it costs ~70 MB in every process
    from sklearn.isotonic import IsotonicRegression

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

SPLITS = 10
HELD_OUT = 0.1
SEED = 42
ECE_BINS = 10
SEPARATED_AUC = 0.999


@dataclass(frozen=True)
class Calibration:
    """A monotone map from scores to probabilities (or the identity)."""

    applied: bool
    """False when the scores are used as they are."""
    reason: str
    """Why calibration was or was not applied, for people reading the result."""
    x: Floats
    """Breakpoints of the fitted isotonic step function (empty when not applied)."""
    y: Floats

    def __call__(self, scores: Floats) -> Floats:
        if not self.applied:
            return np.asarray(scores, dtype=np.float64).copy()
        out: Floats = np.interp(scores, self.x, self.y)  # clips outside the fitted range
        return out


def _isotonic(scores: Floats, actual: Bools) -> IsotonicRegression:
    from sklearn.isotonic import IsotonicRegression

    model = IsotonicRegression(out_of_bounds="clip", increasing=True)
    model.fit(scores, actual.astype(np.float64))
    return model


def expected_calibration_error(actual: Bools, probability: Floats, bins: int = ECE_BINS) -> float:
    """Weighted mean gap between mean probability and positive share over bins of
    (nearly) equal count, rows ordered by probability (NannyML's definition)."""
    n = probability.size
    if n <= 2 * bins:
        bins = n // 2
        if bins < 2:
            raise ValueError(f"{n} value(s) cannot be split into two calibration bins")
    width = n // bins
    edges = np.arange(0, n + 1, width)
    edges[-1] = n
    order = np.argsort(probability)
    p, t = probability[order], actual[order].astype(np.float64)
    total = 0.0
    for left, right in itertools.pairwise(edges):
        total += (right - left) / n * abs(float(np.mean(p[left:right]) - np.mean(t[left:right])))
    return total


def _helps(scores: Floats, actual: Bools) -> bool:
    from sklearn.model_selection import StratifiedShuffleSplit

    splitter = StratifiedShuffleSplit(n_splits=SPLITS, test_size=HELD_OUT, random_state=SEED)
    truth, raw, calibrated = [], [], []
    for train, test in splitter.split(scores, actual):
        model = _isotonic(scores[train], actual[train])
        truth.append(actual[test])
        raw.append(scores[test])
        calibrated.append(np.asarray(model.predict(scores[test]), dtype=np.float64))
    t = np.concatenate(truth)
    before = expected_calibration_error(t, np.concatenate(raw))
    after = expected_calibration_error(t, np.concatenate(calibrated))
    return before > after


def fit_calibration(scores: npt.ArrayLike, actual: npt.ArrayLike) -> Calibration:
    """Fit on the reference's scores and whether each row is positive (no missing values)."""
    s = np.asarray(scores, dtype=np.float64)
    a = np.asarray(actual, dtype=np.bool_)
    if s.size != a.size:
        raise ValueError(f"{s.size} scores but {a.size} labels")
    if s.size == 0:
        raise ValueError("no labelled reference rows to fit the calibration on")
    empty: Floats = np.empty(0)
    outside = bool(np.any((s < 0) | (s > 1)))
    if not outside:
        if a.all() or not a.any():
            return Calibration(False, "the reference has one class only", empty, empty)
        auc = metrics.roc_auc(_text(a), s, "1")
        if auc > SEPARATED_AUC:
            return Calibration(
                False,
                f"the scores separate the reference's classes (ROC AUC {auc:.4f})",
                empty,
                empty,
            )
        fewest = min(int(np.count_nonzero(a)), int(np.count_nonzero(~a)))
        if s.size < 2 * SPLITS or fewest < 2:
            return Calibration(
                False,
                f"too few labelled reference rows ({s.size}) to test calibration",
                empty,
                empty,
            )
        if not _helps(s, a):
            return Calibration(
                False, "isotonic calibration does not lower the held-out ECE", empty, empty
            )
        reason = "isotonic calibration lowers the held-out ECE"
    else:
        reason = "scores outside [0, 1] are mapped to probabilities"
    model = _isotonic(s, a)
    x = np.asarray(model.X_thresholds_, dtype=np.float64)
    y = np.asarray(model.y_thresholds_, dtype=np.float64)
    return Calibration(True, reason, x, y)


def _text(actual: Bools) -> npt.NDArray[Any]:
    return np.where(actual, "1", "0").astype(object)
