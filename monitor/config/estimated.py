"""``[[monitors.estimated]]``: performance estimated without labels (CBPE).

Each entry names a metric of a binary classifier (``accuracy``, ``precision``,
``recall``, ``f1`` or ``roc_auc``) and its bounds, written as for
``[[monitors.performance]]``: ``min``/``max``, and ``max_drop``/``max_rise``
relative to the realized value on the reference window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Self

from pydantic import Field, model_validator

from monitor.config.base import Strict

if TYPE_CHECKING:
    from monitor.config.models import MonitorConfig

EstimatedMetric = Literal["accuracy", "precision", "recall", "f1", "roc_auc"]


class EstimatedCheck(Strict):
    metric: EstimatedMetric
    min: float | None = Field(default=None, ge=0, le=1)
    max: float | None = Field(default=None, ge=0, le=1)
    max_drop: float | None = Field(default=None, ge=0)
    """Allowed fall of the estimate below the reference window's realized value."""
    max_rise: float | None = Field(default=None, ge=0)
    """Allowed rise of the estimate above the reference window's realized value."""

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"'min' ({self.min}) is above 'max' ({self.max})")
        return self


def check_estimated(monitor: MonitorConfig) -> None:
    """What CBPE needs of the monitor; raises ValueError naming the field."""
    checks = monitor.estimated
    if not checks:
        return
    field = "field 'estimated'"
    if monitor.task is None or monitor.task.value != "binary_classification":
        got = "not set" if monitor.task is None else repr(monitor.task.value)
        raise ValueError(
            f"{field}: performance estimation needs task = 'binary_classification' (task is {got})"
        )
    if monitor.prediction_score is None:
        raise ValueError(
            f"{field}: performance estimation needs a 'prediction_score' column "
            "(the positive class's probability)"
        )
    if monitor.target is None:
        raise ValueError(
            f"{field}: performance estimation needs a 'target' column: the scores are "
            "calibrated on the labelled reference window"
        )
    metrics = [c.metric for c in checks]
    repeated = sorted({m for m in metrics if metrics.count(m) > 1})
    if repeated:
        raise ValueError(f"{field}: metric(s) {repeated} listed more than once")
    for i, check in enumerate(checks):
        if check.metric != "roc_auc" and monitor.prediction is None:
            raise ValueError(
                f"field 'estimated[{i}].metric': {check.metric!r} needs a 'prediction' column "
                "(the predicted label); only 'roc_auc' is estimated from the score alone"
            )
