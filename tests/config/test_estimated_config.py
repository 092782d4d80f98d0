"""``[[monitors.estimated]]``: what CBPE needs of a monitor, and the errors naming it."""

from __future__ import annotations

import pytest

from monitor.config import ConfigError, parse_config
from tests.service.sources import monitor_toml

BASE = monitor_toml("churn", "sqlite://")


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, environ={})
    return caught.value.problems


def estimated(*entries: str) -> str:
    return "".join(f"\n[[monitors.estimated]]\n{e}\n" for e in entries)


def test_a_valid_entry_loads() -> None:
    config = parse_config(BASE + estimated('metric = "f1"\nmin = 0.7\nmax_drop = 0.05'), environ={})
    (check,) = config.monitors[0].estimated
    assert (check.metric, check.min, check.max_drop) == ("f1", 0.7, 0.05)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('task = "binary_classification"', 'task = "regression"'),
            "task = 'binary_classification'",
        ),
        (('prediction_score = "score"\n', ""), "needs a 'prediction_score' column"),
        (('target = "label"\n', ""), "needs a 'target' column"),
        (('prediction = "pred"\n', ""), "'estimated[0].metric': 'f1' needs a 'prediction' column"),
    ],
)
def test_what_estimation_needs_is_named(change: tuple[str, str], expected: str) -> None:
    text = BASE.replace(*change) + estimated('metric = "f1"')
    if change[0].startswith("target") or change[0].startswith("task"):
        # the realized roc_auc check of the base config needs them too; drop it
        text = text.replace('[[monitors.performance]]\nmetric = "roc_auc"\nmin = 0.6\n', "")
    (problem,) = problems_of(text)
    assert problem.startswith("monitor 'churn': ")
    assert expected in problem


def test_roc_auc_alone_needs_no_prediction_column() -> None:
    text = BASE.replace('prediction = "pred"\n', "") + estimated('metric = "roc_auc"')
    assert parse_config(text, environ={}).monitors[0].estimated[0].metric == "roc_auc"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ('metric = "mae"', "field 'estimated[0].metric'"),
        ('metric = "f1"\nmin = 1.5', "field 'estimated[0].min'"),
        ('metric = "f1"\nmin = 0.8\nmax = 0.7', "'min' (0.8) is above 'max' (0.7)"),
        ('metric = "f1"\naverage = "macro"', "unknown key"),
    ],
)
def test_bad_entries_name_the_field(entry: str, expected: str) -> None:
    (problem,) = problems_of(BASE + estimated(entry))
    assert "monitor 'churn'" in problem and expected in problem


def test_a_metric_listed_twice_is_refused() -> None:
    (problem,) = problems_of(BASE + estimated('metric = "f1"', 'metric = "f1"\nmin = 0.2'))
    assert "['f1'] listed more than once" in problem


def test_aggregate_mode_refuses_estimation() -> None:
    text = BASE.replace('[[monitors.performance]]\nmetric = "roc_auc"\nmin = 0.6\n', "")
    text = text.replace('latency_column = "latency_ms"\n', "")
    text = text.replace(
        'task = "binary_classification"', 'task = "binary_classification"\nmode = "aggregate"'
    )
    problems = problems_of(text + estimated('metric = "f1"'))
    assert any(
        p.startswith("monitor 'churn': field 'estimated'") and "mode = 'aggregate'" in p
        for p in problems
    ), problems
