"""Model performance metrics on numpy arrays (definitions as in scikit-learn).

Classification labels arrive as text (see ``monitor.columns.canonical_label``);
precision, recall and F1 are 0 where their denominator is 0.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

Labels = npt.NDArray[Any]
Floats = npt.NDArray[np.float64]
Average = Literal["weighted", "macro", "micro"]


def accuracy(target: Labels, prediction: Labels) -> float:
    return float(np.mean(target == prediction))


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return _ratio(2 * precision * recall, precision + recall)


def binary_scores(target: Labels, prediction: Labels, positive: str) -> dict[str, float]:
    """Precision, recall and F1 of the positive class."""
    actual = target == positive
    predicted = prediction == positive
    tp = float(np.count_nonzero(actual & predicted))
    precision = _ratio(tp, float(np.count_nonzero(predicted)))
    recall = _ratio(tp, float(np.count_nonzero(actual)))
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall)}


def multiclass_scores(target: Labels, prediction: Labels, average: Average) -> dict[str, float]:
    """Precision, recall and F1 over every label seen in either array, averaged."""
    if average == "micro":
        value = accuracy(target, prediction)
        return {"precision": value, "recall": value, "f1": value}
    labels = np.unique(np.concatenate([target, prediction]))
    precision = np.empty(labels.size)
    recall = np.empty(labels.size)
    support = np.empty(labels.size)
    for i, label in enumerate(labels):
        scores = binary_scores(target, prediction, label)
        precision[i], recall[i] = scores["precision"], scores["recall"]
        support[i] = np.count_nonzero(target == label)
    f1 = np.array([_f1(p, r) for p, r in zip(precision, recall, strict=True)])
    weights = np.ones(labels.size) if average == "macro" else support
    if weights.sum() == 0:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    return {
        "precision": float(np.average(precision, weights=weights)),
        "recall": float(np.average(recall, weights=weights)),
        "f1": float(np.average(f1, weights=weights)),
    }


def roc_auc(target: Labels, score: Floats, positive: str) -> float:
    """Area under the ROC curve (ties count half); NaN when only one class is present."""
    actual = target == positive
    n_pos = int(np.count_nonzero(actual))
    n_neg = int(actual.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return math.nan
    ranks = stats.rankdata(score)
    return float((ranks[actual].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def mae(target: Floats, prediction: Floats) -> float:
    return float(np.mean(np.abs(target - prediction)))


def rmse(target: Floats, prediction: Floats) -> float:
    return float(np.sqrt(np.mean((target - prediction) ** 2)))


def mape(target: Floats, prediction: Floats) -> float:
    """Mean absolute percentage error as a ratio (0.1 is 10 %), as scikit-learn defines it."""
    denominator = np.maximum(np.abs(target), np.finfo(np.float64).eps)
    return float(np.mean(np.abs(target - prediction) / denominator))


def r2(target: Floats, prediction: Floats) -> float:
    """Coefficient of determination; a constant target gives 1 for a perfect fit, else 0."""
    residual = float(np.sum((target - prediction) ** 2))
    total = float(np.sum((target - np.mean(target)) ** 2))
    if total == 0.0:
        return 1.0 if residual == 0.0 else 0.0
    return 1.0 - residual / total
