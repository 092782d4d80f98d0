"""Options of the data-quality and multivariate drift checks of a monitor."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, model_validator

from monitor.config.base import Strict


class QualityConfig(Strict):
    """``[monitors.quality]``: data-quality checks per column and per window.

    The shares are always measured and stored (so they can be graphed); a check
    is ``breached`` only when its bound is set and exceeded. Feature, prediction
    and score columns are checked; the target is not, since labels that arrive
    late are missing by design.
    """

    enabled: bool = True
    """Measure the checks at all (they are cheap: one pass over each column)."""
    max_missing_increase: float | None = Field(default=0.1, ge=0, le=1)
    """Allowed rise of a column's missing share, current minus reference, in
    share units (0.1: from 2% missing to 12% is still fine, to 13% is not)."""
    max_unseen_share: float | None = Field(default=0.05, ge=0, le=1)
    """Allowed share of a categorical column's current values that never occur in
    the reference. A small reference of a long-tailed column sees new values often:
    raise it there."""
    max_out_of_range_share: float | None = Field(default=0.05, ge=0, le=1)
    """Allowed share of a numerical column's current values outside the reference's
    [min, max]. An unchanged continuous column lands outside about 2/(n+1) of the
    time for a reference of n values, so keep the reference well above 40 values."""
    min_rows: int | None = Field(default=None, ge=0)
    """Fewest rows the current window should hold (a volume check; the monitor's own
    ``min_rows`` instead decides whether a run has enough data to test at all)."""
    max_rows: int | None = Field(default=None, ge=0)
    """Most rows the current window should hold (e.g. a duplicated ingestion)."""
    max_rate_ratio: float | None = Field(default=None, gt=1)
    """The current window's rows per hour may be at most this factor above or below
    the reference window's (2.0: between half and double). Needs a reference with
    both a start and an end; otherwise the check reports ``insufficient_data``."""

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        low, high = self.min_rows, self.max_rows
        if low is not None and high is not None and low > high:
            raise ValueError(f"'min_rows' ({low}) is above 'max_rows' ({high})")
        return self


class MultivariateMethod(StrEnum):
    PCA_RECONSTRUCTION = "pca_reconstruction"
    """NannyML's data reconstruction error: a change in how the features move together."""
    DOMAIN_CLASSIFIER = "domain_classifier"
    """Cross-validated ROC AUC of a model telling reference rows from current rows."""


class MultivariateConfig(Strict):
    """``[monitors.multivariate]``: drift of the feature columns taken together.

    Off by default: per-column tests already catch most drift, and these checks
    fit models on every run (with the default sample of 10,000 rows per window
    and 20 columns: a few seconds for the classifier, under half a second for
    PCA; see bench/multivariate_cost.py). Turn them on for models whose inputs
    are correlated, where a change in the joint distribution leaves every single
    column looking the same.
    """

    enabled: bool = False
    methods: list[MultivariateMethod] = Field(
        default_factory=lambda: [
            MultivariateMethod.PCA_RECONSTRUCTION,
            MultivariateMethod.DOMAIN_CLASSIFIER,
        ],
        min_length=1,
    )
    """Which checks to run."""
    columns: list[str] | None = None
    """Feature columns to use (default: every feature column of the monitor)."""
    max_rows: int = Field(default=10_000, ge=100)
    """Rows sampled from each window (uniformly, keeping their order) when it holds more."""
    seed: int = Field(default=0, ge=0)
    """Seed of the sampling, the cross-validation folds and the classifier, so a
    rerun of the same window gives the same figures."""
    pca_variance: float = Field(default=0.65, gt=0, lt=1)
    """Share of the reference's variance the kept principal components explain (NannyML: 0.65)."""
    pca_std_multiplier: float = Field(default=3.0, gt=0)
    """The band is the mean of the reference chunks' errors ± this many standard deviations."""
    pca_min_chunks: int = Field(default=10, ge=2)
    """The reference is cut into chunks of the current window's size; when fewer than
    this many fit, into this many chunks whose spread is rescaled to the current
    window's size (see docs/drift-options.md)."""
    classifier: Literal["gradient_boosting", "logistic"] = "gradient_boosting"
    """``gradient_boosting`` (scikit-learn's histogram gradient boosting: finds
    non-linear changes, handles missing values and categories natively) or
    ``logistic`` (faster, finds shifts of means and category shares)."""
    classifier_threshold: float = Field(default=0.55, gt=0.5, lt=1)
    """Drift when the cross-validated ROC AUC is above this (0.5: windows indistinguishable)."""
    cv_folds: int = Field(default=5, ge=2, le=20)
    """Stratified folds of the cross-validation."""

    @model_validator(mode="after")
    def _unique(self) -> Self:
        listed = {"methods": [m.value for m in self.methods], "columns": self.columns or []}
        for name, items in listed.items():
            repeated = sorted({x for x in items if items.count(x) > 1})
            if repeated:
                raise ValueError(f"{name} {repeated} listed more than once")
        return self
