"""The multivariate entry point, its config, and check failures inside a run."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from monitor.checks.multivariate import multivariate_drift
from monitor.config import ConfigError, parse_config
from monitor.config.checks import MultivariateConfig, MultivariateMethod
from monitor.result import RunStatus
from monitor.runner import Runner
from monitor.stats import build_registry
from monitor.stats.registry import ALL_TESTS
from tests.checks.seeded import correlated
from tests.conftest import write_table

BASE = """
[[monitors]]
name = "m"
source_url = "sqlite://"
table = "t"
timestamp_column = "ts"
numerical = ["x", "y"]
categorical = ["c"]
prediction = "p"
current = { last = "1h" }
reference = { last = "1d" }
[monitors.multivariate]
"""


def test_off_by_default_with_both_methods_ready() -> None:
    config = parse_config(BASE).monitors[0].multivariate
    assert config.enabled is False
    assert config.methods == [
        MultivariateMethod.PCA_RECONSTRUCTION,
        MultivariateMethod.DOMAIN_CLASSIFIER,
    ]
    assert (config.max_rows, config.pca_variance, config.classifier_threshold) == (
        10_000,
        0.65,
        0.55,
    )


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ('columns = ["x", "p"]', "field 'multivariate.columns': 'p' is the prediction column"),
        ('columns = ["x", "x"]', "columns ['x'] listed more than once"),
        ('methods = ["pca_reconstruction", "pca_reconstruction"]', "listed more than once"),
        ('methods = ["isolation_forest"]', "field 'multivariate.methods[0]'"),
        ("methods = []", "field 'multivariate.methods'"),
        ("classifier_threshold = 0.5", "field 'multivariate.classifier_threshold'"),
        ("pca_variance = 1.0", "field 'multivariate.pca_variance'"),
        ('classifier = "forest"', "'gradient_boosting' or 'logistic'"),
    ],
)
def test_bad_options_are_config_errors(lines: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(BASE + lines + "\n")
    assert "monitor 'm'" in str(caught.value) and expected in str(caught.value)


def test_results_come_in_the_configured_order() -> None:
    config = MultivariateConfig(
        enabled=True,
        methods=[MultivariateMethod.DOMAIN_CLASSIFIER, MultivariateMethod.PCA_RECONSTRUCTION],
        classifier="logistic",
    )
    results = multivariate_drift(correlated(0, 400), correlated(1, 200), config)
    assert [r.method for r in results] == ["domain_classifier", "pca_reconstruction"]


def test_a_check_that_fails_inside_a_run_names_the_monitor_and_column(
    sqlite_url: str,
) -> None:
    """A drift test that raises (a fault real data cannot be made to show here)."""

    def broken(reference: object, current: object) -> float:
        raise ZeroDivisionError("boom")

    tests = [dataclasses.replace(t, func=broken) if t.name == "ks" else t for t in ALL_TESTS]
    rng = np.random.default_rng(0)
    stamps = pd.date_range("2026-03-01", periods=200, freq="15min", tz=None).strftime(
        "%Y-%m-%d %H:%M:%S"
    )
    write_table(sqlite_url, "t", pd.DataFrame({"ts": stamps, "x": rng.normal(size=200)}))
    config = parse_config(
        f"""
[[monitors]]
name = "m"
source_url = "{sqlite_url}"
table = "t"
timestamp_column = "ts"
numerical = ["x"]
categorical = []
current = {{ last = "12h" }}
reference = {{ last = "1d" }}
"""
    )
    runner = Runner(registry=build_registry(tests))
    result = runner.run(config.monitors[0], datetime(2026, 3, 2, 12, tzinfo=UTC))
    runner.engines.dispose()
    assert result.status is RunStatus.ERROR
    assert result.error == "monitor 'm': drift test of column 'x' failed: ZeroDivisionError: boom"
