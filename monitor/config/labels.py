"""``[monitors.labels]``: ground truth kept in its own table and arriving late.

The labels table (or read-only query) holds one row per label: the prediction's
id, the label and when it became known. A run joins it to the predictions by id
and uses only the labels known at the time it runs (``timestamp_column <= now``);
when an id has several label rows, the latest known one wins (ties: the greatest
label value). The joined label takes the monitor's ``target`` role, so target
drift and the performance checks read it as if it were a column of the
predictions table.

With ``label_lag``, windows up to that age are evaluated again at each tick when
more labels have become known for them since their last evaluation.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Self

from pydantic import Field, field_validator, model_validator

from monitor.config.base import Strict
from monitor.config.fields import SelectQuery
from monitor.durations import format_duration, parse_duration


class LabelsConfig(Strict):
    table: str | None = None
    """The labels table (``schema.table`` allowed), in the monitor's ``source_url``."""
    query: SelectQuery | None = None
    """Or one read-only SELECT returning the id, label and timestamp columns."""
    id_column: str = Field(min_length=1)
    """The prediction id in the labels table."""
    prediction_id_column: str | None = None
    """The id in the predictions table (default: the same name as ``id_column``)."""
    label_column: str = Field(min_length=1)
    """The label (ground truth); it becomes the monitor's ``target``."""
    timestamp_column: str = Field(min_length=1)
    """When the label became known; a run uses labels known at or before its start."""
    label_lag: timedelta = timedelta(0)
    """How long labels keep arriving: windows up to this age (their end before the
    tick) are evaluated again when labels were added for them. 0: never."""

    @field_validator("label_lag", mode="before")
    @classmethod
    def _lag(cls, value: Any) -> Any:
        if isinstance(value, str):
            return parse_duration(value)
        if isinstance(value, int | float) and not isinstance(value, bool) and value == 0:
            return timedelta(0)
        if isinstance(value, timedelta):
            return value
        raise ValueError("expected a duration string such as '1d' or '7d'")

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of 'table' or 'query' for the labels")
        if self.id_column == self.label_column or self.timestamp_column == self.label_column:
            raise ValueError(
                f"'label_column' ({self.label_column!r}) must differ from 'id_column' and "
                "'timestamp_column'"
            )
        return self

    @property
    def predictions_id(self) -> str:
        """The id column on the predictions side."""
        return self.prediction_id_column or self.id_column


def labels_target(data: Any) -> Any:
    """Before validation of a monitor: the label column takes the ``target`` role.

    ``target`` (labels in the predictions table) and ``[monitors.labels]`` (labels
    in their own table) are alternatives; ``target`` may be repeated only when it
    names the label column. Raises ValueError naming the fields otherwise.
    """
    if not isinstance(data, dict) or not isinstance(data.get("labels"), dict | LabelsConfig):
        return data
    labels = data["labels"]
    label = labels.label_column if isinstance(labels, LabelsConfig) else labels.get("label_column")
    if not isinstance(label, str) or not label.strip():
        return data  # the labels model reports the missing field
    label = label.strip()
    target = data.get("target")
    if target is not None and target != label:
        raise ValueError(
            f"field 'target': {target!r} and [monitors.labels] are alternatives: labels in the "
            f"predictions table, or in their own table joined by id; with [monitors.labels] "
            f"the target is its 'label_column' ({label!r}); expected no 'target'"
        )
    return {**data, "target": label}


def check_labels(
    labels: LabelsConfig, *, timestamp_column: str, features: list[str], roles: dict[str, str]
) -> None:
    """Cross-field checks against the rest of the monitor; ValueError naming the field."""
    pid = labels.predictions_id
    if pid in features:
        raise ValueError(
            f"field 'labels.prediction_id_column': {pid!r} is listed as a feature; "
            "expected the predictions' id column (it is never a feature)"
        )
    for role, column in roles.items():
        if role == "target":
            continue
        if column == labels.label_column:
            raise ValueError(
                f"field 'labels.label_column': {column!r} is already the {role} column; "
                "expected the label column of the labels table"
            )
        if column == pid and role != "timestamp":
            raise ValueError(
                f"field 'labels.prediction_id_column': {pid!r} is the {role} column; "
                "expected the predictions' id column"
            )
    if pid == timestamp_column:
        raise ValueError(
            f"field 'labels.prediction_id_column': {pid!r} is the predictions' timestamp "
            "column; expected the id column"
        )


def describe(labels: LabelsConfig | None) -> str:
    if labels is None:
        return "in the predictions table (target)"
    source = f"table {labels.table}" if labels.table else "query"
    lag = "no re-evaluation"
    if labels.label_lag > timedelta(0):
        lag = f"re-evaluated up to {format_duration(labels.label_lag)}"
    return (
        f"{source} joined on {labels.predictions_id} = {labels.id_column}, label "
        f"{labels.label_column} known at {labels.timestamp_column}; {lag}"
    )
