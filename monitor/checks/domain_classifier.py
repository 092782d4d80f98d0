"""Domain classifier: how well can a model tell current rows from reference rows?

Rows of both windows are labelled 0 (reference) and 1 (current); a classifier
is cross-validated on them (stratified, shuffled folds) and the out-of-fold
probabilities of all rows are scored together with ROC AUC, as NannyML's
``DomainClassifierCalculator`` does. 0.5 means the windows cannot be told
apart; drift is an AUC above the threshold (default 0.55).

Two models (scikit-learn, imported only when used):

- ``gradient_boosting``: ``HistGradientBoostingClassifier`` with missing values
  and categories handled natively. Categories are coded by reference frequency;
  the 254 most frequent keep their own code and every other category (rare, or
  never seen in the reference) shares one, so new categories remain visible.
- ``logistic``: ``LogisticRegression`` on standardised numerical columns
  (missing values at the reference mean) and indicators of the 20 most frequent
  reference categories per column plus one for every other category.

Both fit on one native thread (see :data:`THREADS`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from monitor.checks.table import (
    FeatureTable,
    FloatArray,
    ObjectArray,
    category_counts,
    mean_and_std,
)

GRADIENT_BOOSTING = "gradient_boosting"
LOGISTIC = "logistic"
MODELS = (GRADIENT_BOOSTING, LOGISTIC)

MAX_CODES = 255
"""Codes a categorical column may take in histogram gradient boosting (its ``max_bins``)."""
MAX_INDICATORS = 20
"""Categories per column with their own indicator in the logistic model."""
LIMIT = 1e6
"""Standardised values are held within ±LIMIT in the logistic model, so one extreme
value cannot overflow its fit."""
THREADS = 1
"""Native threads (OpenMP, BLAS) the models may use. One: the service runs several
monitors at once on shared CPUs, where OpenMP's busy-waiting thread teams slow a
fit down many times over (a 1-second fit took 50 s on a loaded 2-core machine)."""


def _ranked(values: ObjectArray, keep: int) -> dict[str, int]:
    """The ``keep`` most frequent reference categories (ties by value), coded 0, 1, …"""
    counts = category_counts(values)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    return {str(k): i for i, (k, _) in enumerate(ranked[:keep])}


def _codes(values: ObjectArray, codes: dict[str, int], other: int) -> FloatArray:
    """Category codes; ``other`` for the rest, NaN where missing."""
    return np.array(
        [np.nan if v is None else codes.get(v, other) for v in values.tolist()], dtype=np.float64
    )


def boosting_matrix(
    reference: FeatureTable, current: FeatureTable
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Rows of both windows (reference first) and which columns are categorical."""
    columns = [np.concatenate([v, current.numerical[k]]) for k, v in reference.numerical.items()]
    for name, values in reference.categorical.items():
        codes = _ranked(values, MAX_CODES - 1)
        both = np.concatenate([values, current.categorical[name]])
        columns.append(_codes(both, codes, MAX_CODES - 1))
    mask = np.array([False] * len(reference.numerical) + [True] * len(reference.categorical))
    return np.column_stack(columns), mask


def logistic_matrix(reference: FeatureTable, current: FeatureTable) -> FloatArray:
    """Standardised numbers and category indicators; rows of both windows, reference first."""
    columns: list[FloatArray] = []
    for name, values in reference.numerical.items():
        mean, std = mean_and_std(values)
        both = np.concatenate([values, current.numerical[name]])
        with np.errstate(over="ignore", invalid="ignore"):
            scaled = (both - mean) / (std if std > 0 else 1.0)
        # missing values sit at the mean; values beyond float range at its edge
        columns.append(np.clip(np.nan_to_num(scaled, nan=0.0), -LIMIT, LIMIT))
    for name, categories in reference.categorical.items():
        codes = _ranked(categories, MAX_INDICATORS)
        coded = _codes(np.concatenate([categories, current.categorical[name]]), codes, len(codes))
        for code in range(len(codes) + 1):
            columns.append((coded == code).astype(np.float64))
    return np.column_stack(columns)


def classifier_auc(
    reference: FeatureTable, current: FeatureTable, *, model: str, folds: int, seed: int
) -> float:
    """Cross-validated ROC AUC of ``model`` telling current rows (1) from reference rows (0)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    if model not in MODELS:
        raise ValueError(f"unknown classifier {model!r}; expected one of: {', '.join(MODELS)}")
    labels = np.concatenate([np.zeros(reference.rows), np.ones(current.rows)])
    if model == GRADIENT_BOOSTING:
        matrix, categorical = boosting_matrix(reference, current)
        estimator: object = HistGradientBoostingClassifier(
            categorical_features=categorical if categorical.any() else None,
            random_state=seed,
        )
    else:
        matrix = logistic_matrix(reference, current)
        estimator = LogisticRegression(max_iter=1000)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with threadpool_limits(limits=THREADS):
        probabilities = cross_val_predict(estimator, matrix, labels, cv=cv, method="predict_proba")
    return float(roc_auc_score(labels, probabilities[:, 1]))
