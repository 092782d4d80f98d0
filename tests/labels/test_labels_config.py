"""``[monitors.labels]``: validation and errors naming the monitor and field."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.config import ConfigError, parse_config

BASE = """
[[monitors]]
name = "churn"
source_url = "sqlite:///x.db"
table = "predictions"
timestamp_column = "ts"
numerical = ["age"]
categorical = ["plan"]
prediction = "pred"
task = "binary_classification"
current = { last = "1h" }
reference = { last = "1d" }
TARGET

[[monitors.performance]]
metric = "accuracy"

[monitors.labels]
table = "labels"
id_column = "prediction_id"
label_column = "label"
timestamp_column = "known_at"
label_lag = "7d"
"""


def parse(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, environ={})
    return caught.value.problems


def test_labels_take_the_target_role() -> None:
    monitor = parse_config(BASE.replace("TARGET", ""), environ={}).monitors[0]
    assert monitor.labels is not None
    assert monitor.target == "label"
    assert monitor.labels.label_lag == timedelta(days=7)
    assert monitor.labels.predictions_id == "prediction_id"  # defaults to id_column
    # repeating the label column as target is the same thing
    same = parse_config(BASE.replace("TARGET", 'target = "label"'), environ={}).monitors[0]
    assert same == monitor


def test_a_different_target_is_refused() -> None:
    (problem,) = parse(BASE.replace("TARGET", 'target = "churned"'))
    assert "monitor 'churn'" in problem and "'target'" in problem
    assert "alternatives" in problem and "'label'" in problem


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        (('label_lag = "7d"', 'label_lag = "a week"'), "labels.label_lag", "invalid duration"),
        (('table = "labels"', ""), "labels", "exactly one of 'table' or 'query'"),
        (
            ('table = "labels"', 'table = "labels"\nquery = "SELECT 1"'),
            "labels",
            "exactly one of 'table' or 'query'",
        ),
        (('table = "labels"', 'query = "DELETE FROM labels"'), "labels.query", "SELECT"),
        (('id_column = "prediction_id"', ""), "labels.id_column", "missing"),
        (('label_lag = "7d"', 'label_lag = "7d"\nlabel = "y"'), "labels.label", "unknown key"),
        (('label_column = "label"', 'label_column = "known_at"'), "labels", "must differ"),
        (
            ('label_column = "label"', 'label_column = "pred"'),
            "labels.label_column",
            "prediction column",
        ),
        (
            ('id_column = "prediction_id"', 'id_column = "age"'),
            "labels.prediction_id_column",
            "feature",
        ),
        (
            ('id_column = "prediction_id"', 'id_column = "i"\nprediction_id_column = "ts"'),
            "labels.prediction_id_column",
            "timestamp",
        ),
    ],
)
def test_bad_labels_name_monitor_and_field(
    change: tuple[str, str], field: str, expected: str
) -> None:
    problems = parse(BASE.replace("TARGET", "").replace(*change))
    assert any(
        "monitor 'churn'" in p and f"'{field}'" in p and expected.lower() in p.lower()
        for p in problems
    ), problems


def test_without_lag_windows_are_never_reevaluated() -> None:
    text = BASE.replace("TARGET", "").replace('label_lag = "7d"\n', "")
    monitor = parse_config(text, environ={}).monitors[0]
    assert monitor.labels is not None and monitor.labels.label_lag == timedelta(0)
