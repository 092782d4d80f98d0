"""``[monitors.drift]``: which test each column gets, thresholds, corrections, effect guard."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import (
    Field,
    field_validator,
)

from monitor.config.base import Strict


class ColumnDrift(Strict):
    method: str | None = None
    threshold: float | None = Field(default=None, ge=0)


class Correction(StrEnum):
    """Multiple-testing correction across the p-value tests of one monitor.

    A monitor with 40 columns tested at p < 0.05 expects two false drift
    verdicts per run when nothing changed; a correction bounds that.
    """

    NONE = "none"
    """Each p-value against its own threshold (Evidently's behaviour)."""
    BONFERRONI = "bonferroni"
    """p × m (m = p-value tests in the run), capped at 1: bounds the chance of
    *any* false drift verdict in a run. Strict; use when one false alarm pages someone."""
    FDR_BH = "fdr_bh"
    """Benjamini-Hochberg adjusted p-values: bounds the expected *share* of false
    verdicts among the drifted columns. Keeps more power than Bonferroni on wide tables."""


class EffectGuard(Strict):
    """Drift from a p-value test also needs a distance of at least ``value``.

    On windows of 100k+ rows a p-value test finds any difference at all, however
    small; the guard asks that the distributions also differ by a size that
    matters. Written as ``min_effect = 0.1`` or as a table naming the distances.
    """

    value: float = Field(ge=0)
    """The distance a p-value test's column must also reach (compared as the distance test does)."""
    numerical_method: str = "wasserstein"
    """Distance for numerical columns (default: normed Wasserstein, Evidently's large-data test)."""
    categorical_method: str = "jensenshannon"
    """Distance for categorical columns (default: Jensen-Shannon, Evidently's large-data test)."""


def _effect_shorthand(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"value": value}
    return value


class DriftConfig(Strict):
    drift_share: float = Field(default=0.5, gt=0, le=1)
    numerical_method: str | None = None
    """Test for every numerical column (default: Evidently's rule)."""
    categorical_method: str | None = None
    """Test for every categorical column (default: Evidently's rule)."""
    threshold: float | None = Field(default=None, ge=0)
    """Threshold for every column (default: the test's own)."""
    columns: dict[str, ColumnDrift] = Field(default_factory=dict)
    min_rows: int = Field(default=1, ge=1)
    """Non-missing values a column needs in *each* window to be tested; below it the
    column's status is ``insufficient_data`` and it has no verdict. The default, 1,
    tests every column that has values, as Evidently does (the monitor's own
    ``min_rows`` already holds back nearly empty windows); raise it (e.g. to 30) for
    sparse columns whose few values would otherwise give noisy verdicts."""
    correction: Correction = Correction.NONE
    """Multiple-testing correction across the run's p-value tests (``none``,
    ``bonferroni``, ``fdr_bh``); distance tests are not affected."""
    min_effect: EffectGuard | None = None
    """Optional effect-size guard for p-value tests (see :class:`EffectGuard`)."""

    _effect = field_validator("min_effect", mode="before")(_effect_shorthand)
