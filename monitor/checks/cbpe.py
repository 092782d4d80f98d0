"""Confidence-based performance estimation (CBPE) of a binary classifier.

Without labels, a calibrated score ``p`` says the row is positive with
probability ``p``. Summed over a window, that gives the *expected* confusion
matrix of the model's predicted labels:

- predicted positive: ``p`` counts as a true positive, ``1 - p`` as a false positive;
- predicted negative: ``p`` counts as a false negative, ``1 - p`` as a true negative;

and accuracy, precision, recall and F1 follow from it as from a realized matrix
(NannyML's definitions). A ratio whose expected denominator is 0 (e.g. precision
when nothing is predicted positive) is undefined (NaN), not 0.

ROC AUC is estimated as NannyML does: rows ordered by the model's own score
(highest first), each row adds its calibrated probability to the expected true
positives and the rest to the expected false positives, and the area under the
resulting curve is taken with the trapezoidal rule. Rows with tied scores share
one calibrated probability, so ties give a straight segment, as in a realized ROC curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

ESTIMATED_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc")


@dataclass(frozen=True)
class ExpectedConfusion:
    """Expected counts of one window (they sum to its rows)."""

    tp: float
    fp: float
    fn: float
    tn: float

    @property
    def rows(self) -> float:
        return self.tp + self.fp + self.fn + self.tn


def expected_confusion(probability: Floats, predicted_positive: Bools) -> ExpectedConfusion:
    """The expected confusion matrix from calibrated probabilities and predicted labels."""
    p = np.asarray(probability, dtype=np.float64)
    positive = np.asarray(predicted_positive, dtype=np.bool_)
    if p.shape != positive.shape:
        raise ValueError(f"{p.size} probabilities but {positive.size} predictions")
    tp = float(np.sum(p[positive]))
    fp = float(np.sum(1.0 - p[positive]))
    fn = float(np.sum(p[~positive]))
    tn = float(np.sum(1.0 - p[~positive]))
    return ExpectedConfusion(tp=tp, fp=fp, fn=fn, tn=tn)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else math.nan


def confusion_metrics(m: ExpectedConfusion) -> dict[str, float]:
    """Accuracy, precision, recall and F1 of an (expected) confusion matrix."""
    return {
        "accuracy": _ratio(m.tp + m.tn, m.rows),
        "precision": _ratio(m.tp, m.tp + m.fp),
        "recall": _ratio(m.tp, m.tp + m.fn),
        "f1": _ratio(m.tp, m.tp + 0.5 * (m.fp + m.fn)),
    }


def estimated_roc_auc(probability: Floats, scores: Floats) -> float:
    """Expected ROC AUC: calibrated ``probability`` accumulated in order of ``scores``."""
    p = np.asarray(probability, dtype=np.float64)
    s = np.asarray(scores, dtype=np.float64)
    if p.shape != s.shape:
        raise ValueError(f"{p.size} probabilities but {s.size} scores")
    order = np.argsort(-s, kind="stable")
    tps = np.concatenate([[0.0], np.cumsum(p[order])])
    fps = np.concatenate([[0.0], np.cumsum(1.0 - p[order])])
    if tps[-1] <= 0 or fps[-1] <= 0:
        return math.nan
    tpr, fpr = tps / tps[-1], fps / fps[-1]
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))


@dataclass(frozen=True)
class Estimate:
    """Estimated metrics of one window."""

    values: dict[str, float]
    """Metric name to estimate (NaN when undefined); only the metrics asked for."""
    rows: int
    """Rows the estimate is computed on."""
    confusion: ExpectedConfusion | None
    """None when only ROC AUC was asked for (it needs no predicted labels)."""


def estimate(
    metrics: tuple[str, ...],
    probability: Floats,
    scores: Floats,
    predicted_positive: Bools | None,
) -> Estimate:
    """Estimate ``metrics`` on one window.

    ``probability`` is the calibrated score of each row, ``scores`` the model's own
    (they order the rows for ROC AUC) and ``predicted_positive`` whether the model
    predicted the positive class (needed for every metric but ROC AUC).
    """
    unknown = [m for m in metrics if m not in ESTIMATED_METRICS]
    if unknown:
        raise ValueError(
            f"cannot estimate {unknown}; estimable metrics: {', '.join(ESTIMATED_METRICS)}"
        )
    values: dict[str, float] = {}
    confusion = None
    if any(m != "roc_auc" for m in metrics):
        if predicted_positive is None:
            raise ValueError("accuracy, precision, recall and f1 need the predicted labels")
        confusion = expected_confusion(probability, predicted_positive)
        from_matrix = confusion_metrics(confusion)
        values.update({m: from_matrix[m] for m in metrics if m != "roc_auc"})
    if "roc_auc" in metrics:
        values["roc_auc"] = estimated_roc_auc(probability, scores)
    return Estimate(
        values={m: values[m] for m in metrics}, rows=int(probability.size), confusion=confusion
    )
