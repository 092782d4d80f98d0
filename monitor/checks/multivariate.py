"""Multivariate drift: the feature columns of a window taken together.

Two methods, each a result row with a score, its thresholds and a verdict:

- ``pca_reconstruction`` (:mod:`monitor.checks.reconstruction`): the mean PCA
  reconstruction error of the current rows against a band from the reference's
  own chunks (NannyML's data reconstruction drift).
- ``domain_classifier`` (:mod:`monitor.checks.domain_classifier`): the
  cross-validated ROC AUC of a model telling current rows from reference rows.

Both take row-aligned tables that the caller has already sampled to at most
``max_rows`` rows per window (:func:`monitor.checks.table.sample_rows`). A
window too small for a method gives ``insufficient_data`` with the reason, not
an exception.
"""

from __future__ import annotations

from monitor.checks import reconstruction
from monitor.checks.domain_classifier import classifier_auc
from monitor.checks.table import FeatureTable
from monitor.config.checks import MultivariateConfig, MultivariateMethod
from monitor.result import ColumnStatus, MultivariateResult


def _insufficient(
    method: MultivariateMethod, reference: FeatureTable, current: FeatureTable, message: str
) -> MultivariateResult:
    return MultivariateResult(
        method=method.value,
        score=None,
        lower_threshold=None,
        upper_threshold=None,
        detected=None,
        status=ColumnStatus.INSUFFICIENT_DATA,
        rows_reference=reference.rows,
        rows_current=current.rows,
        columns=reference.width,
        message=message,
    )


def reconstruction_drift(
    reference: FeatureTable, current: FeatureTable, config: MultivariateConfig
) -> MultivariateResult:
    method = MultivariateMethod.PCA_RECONSTRUCTION
    if reference.width < 2:
        return _insufficient(
            method, reference, current, "needs at least 2 feature columns to reconstruct"
        )
    if reference.rows < config.pca_min_chunks:
        return _insufficient(
            method,
            reference,
            current,
            f"the reference has {reference.rows} rows; at least pca_min_chunks = "
            f"{config.pca_min_chunks} are needed",
        )
    if current.rows < 1:
        return _insufficient(method, reference, current, "the current window has no rows")
    model = reconstruction.fit(reference, config.pca_variance)
    score = float(model.errors(current).mean())
    lower, upper = reconstruction.chunk_band(
        model.errors(reference),
        current.rows,
        min_chunks=config.pca_min_chunks,
        multiplier=config.pca_std_multiplier,
    )
    return MultivariateResult(
        method=method.value,
        score=score,
        lower_threshold=lower,
        upper_threshold=upper,
        detected=reconstruction.outside(score, lower, upper),
        status=ColumnStatus.OK,
        rows_reference=reference.rows,
        rows_current=current.rows,
        columns=reference.width,
        components=model.n_components,
    )


def classifier_drift(
    reference: FeatureTable, current: FeatureTable, config: MultivariateConfig
) -> MultivariateResult:
    method = MultivariateMethod.DOMAIN_CLASSIFIER
    if reference.width < 1:
        return _insufficient(method, reference, current, "needs at least 1 feature column")
    fewest = min(reference.rows, current.rows)
    if fewest < config.cv_folds:
        return _insufficient(
            method,
            reference,
            current,
            f"each window needs at least cv_folds = {config.cv_folds} rows; "
            f"reference has {reference.rows}, current {current.rows}",
        )
    auc = classifier_auc(
        reference, current, model=config.classifier, folds=config.cv_folds, seed=config.seed
    )
    return MultivariateResult(
        method=method.value,
        score=auc,
        lower_threshold=None,
        upper_threshold=config.classifier_threshold,
        detected=auc > config.classifier_threshold,
        status=ColumnStatus.OK,
        rows_reference=reference.rows,
        rows_current=current.rows,
        columns=reference.width,
    )


METHODS = {
    MultivariateMethod.PCA_RECONSTRUCTION: reconstruction_drift,
    MultivariateMethod.DOMAIN_CLASSIFIER: classifier_drift,
}


def multivariate_drift(
    reference: FeatureTable, current: FeatureTable, config: MultivariateConfig
) -> tuple[MultivariateResult, ...]:
    """One result per configured method, in the configured order."""
    return tuple(METHODS[method](reference, current, config) for method in config.methods)
