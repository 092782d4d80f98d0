"""Config of aggregate mode: what needs raw rows is refused with a clear error."""

from __future__ import annotations

import pytest

from monitor.config import ConfigError
from monitor.config.loader import parse_config
from monitor.stats import FeatureType, build_registry
from monitor.stats.aggregate import AGGREGATE_METHODS

BASE = """
[[monitors]]
name = "big"
source_url = "sqlite:///x.db"
table = "logs"
timestamp_column = "ts"
numerical = ["income"]
categorical = ["plan"]
prediction = "pred"
target = "label"
task = "binary_classification"
mode = "{mode}"
current = {{ last = "1h" }}
reference = {{ start = "2026-01-01", end = "2026-01-08" }}
{extra}
"""


def load(extra: str = "", mode: str = "aggregate") -> list[str]:
    try:
        parse_config(BASE.format(mode=mode, extra=extra), environ={})
    except ConfigError as exc:
        return exc.problems
    return []


RAW_ROW_TESTS = sorted(
    set(build_registry().names(FeatureType.NUMERICAL))
    - set(AGGREGATE_METHODS[FeatureType.NUMERICAL])
)


def test_the_refused_numerical_tests_are_the_raw_row_ones() -> None:
    assert RAW_ROW_TESTS == [
        "anderson",
        "cramer_von_mises",
        "ed",
        "empirical_mmd",
        "es",
        "hellinger",
        "mannw",
        "t_test",
    ]


def test_every_category_test_runs_on_counts() -> None:
    registry = build_registry()
    assert sorted(AGGREGATE_METHODS[FeatureType.CATEGORICAL], key=str.lower) == sorted(
        registry.names(FeatureType.CATEGORICAL), key=str.lower
    )
    for kind, names in AGGREGATE_METHODS.items():
        assert all(kind in registry.get(name).feature_types for name in names)


@pytest.mark.parametrize("method", RAW_ROW_TESTS)
def test_raw_row_test_on_a_column_is_refused_naming_monitor_column_and_choices(
    method: str,
) -> None:
    problems = load(f'[monitors.drift.columns.income]\nmethod = "{method}"')
    assert problems == [
        "monitor 'big': field 'drift.columns.income.method' (column 'income'): drift test "
        f"'{method}' needs the raw rows and is not available with mode = 'aggregate'; "
        "expected one of: jensenshannon, kl_div, ks, psi, wasserstein"
    ]


@pytest.mark.parametrize("method", RAW_ROW_TESTS)
def test_the_same_tests_load_in_row_mode(method: str) -> None:
    assert load(f'[monitors.drift.columns.income]\nmethod = "{method}"', mode="rows") == []


def test_numerical_method_for_every_column_is_refused() -> None:
    problems = load('[monitors.drift]\nnumerical_method = "mannw"')
    assert len(problems) == 1
    assert "field 'drift.numerical_method' (every numerical column)" in problems[0]
    assert "'mannw' needs the raw rows" in problems[0]


@pytest.mark.parametrize("method", AGGREGATE_METHODS[FeatureType.CATEGORICAL])
def test_every_counting_test_is_accepted_on_categories(method: str) -> None:
    assert load(f'[monitors.drift]\ncategorical_method = "{method}"') == []


@pytest.mark.parametrize("method", AGGREGATE_METHODS[FeatureType.NUMERICAL])
def test_every_binned_test_is_accepted_on_numbers(method: str) -> None:
    assert load(f'[monitors.drift]\nnumerical_method = "{method}"') == []


def test_effect_guard_must_be_a_binned_distance() -> None:
    problems = load('[monitors.drift.min_effect]\nvalue = 0.1\nnumerical_method = "ed"')
    assert problems == [
        "monitor 'big': field 'drift.min_effect.numerical_method' (every numerical column): "
        "drift test 'ed' needs the raw rows and is not available with mode = 'aggregate'; "
        "expected one of: jensenshannon, kl_div, psi, wasserstein"
    ]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("[monitors.multivariate]\nenabled = true", "multivariate.enabled"),
        ('latency_column = "latency_ms"', "latency_column"),
        (
            'prediction_score = "score"\n[[monitors.performance]]\nmetric = "roc_auc"',
            "performance[0].metric",
        ),
    ],
)
def test_raw_row_features_are_refused(extra: str, field: str) -> None:
    # keys given before a table header belong to the monitor
    problems = load(extra)
    assert len(problems) == 1
    assert problems[0].startswith(f"monitor 'big': field '{field}'")
    assert "not available with mode = 'aggregate'" in problems[0]
    assert load(extra, mode="rows") == []


def test_unknown_mode_and_option_are_errors() -> None:
    problems = load(mode="sampled")
    assert any("field 'mode'" in p for p in problems)
    problems = load("[monitors.aggregate]\nquantile_bin = 50")
    assert any("field 'aggregate.quantile_bin'" in p and "unknown key" in p for p in problems)
