"""The registry holds every Evidently 0.7 tabular test with Evidently's metadata,
and every registered test carries what a caller needs and has a parity test."""

from __future__ import annotations

import pytest

from monitor.stats import (
    Comparison,
    FeatureType,
    Sample,
    ScoreKind,
    UnknownStatTestError,
    build_registry,
)
from tests.stats import cases
from tests.stats.evidently_oracle import evidently_feature_types, evidently_test, evidently_tests
from tests.stats.test_parity import PARITY_CASES

REGISTRY = build_registry()
NAMES = REGISTRY.names()
TEXT_ONLY = {"perc_text_content_drift", "abs_text_content_drift"}
"""Evidently's text-descriptor tests: not tabular."""


@pytest.mark.parametrize("name", NAMES)
def test_registered_test_is_complete(name: str) -> None:
    test = REGISTRY.get(name)
    assert test.name == name and REGISTRY.get(name) is test
    assert test.display_name
    assert test.feature_types and test.feature_types <= set(FeatureType)
    assert test.score_kind in (ScoreKind.P_VALUE, ScoreKind.DISTANCE)
    assert test.default_threshold > 0
    if test.score_kind is ScoreKind.P_VALUE:
        assert test.comparison in (Comparison.LT, Comparison.LE)
        assert test.default_threshold < 1
    else:
        assert test.comparison in (Comparison.GE, Comparison.GT)
    assert test.min_size >= 1
    assert PARITY_CASES.get(name), f"{name} has no parity case"
    kinds = {kind for kind, _ in PARITY_CASES[name]}
    assert kinds == set(test.feature_types), f"{name}: parity cases must cover every type"
    if test.evidently_name is None:
        assert "Evidently" in test.note, f"{name} must say why Evidently has no equivalent"
    else:
        assert test.evidently_name == name


def test_every_evidently_tabular_test_is_registered_with_its_metadata() -> None:
    theirs = evidently_tests()
    tabular = set(theirs) - TEXT_ONLY
    assert tabular <= set(NAMES)
    for name in tabular:
        ours, evidently = REGISTRY.get(name), theirs[name]
        assert ours.display_name == evidently.display_name, name
        assert ours.default_threshold == evidently.default_threshold, name
        assert set(ours.feature_types) == evidently_feature_types(name), name
    assert set(NAMES) - tabular == {"l_infinity"}


@pytest.mark.parametrize("name", [n for n in NAMES if n != "l_infinity"])
def test_comparison_at_the_threshold_matches_evidently(name: str) -> None:
    """A score exactly at the threshold separates < from <= and > from >=."""
    kind, case = PARITY_CASES[name][0]
    reference, current = (cases.NUMERICAL if kind is FeatureType.NUMERICAL else cases.CATEGORICAL)[
        case
    ]()
    score, _ = evidently_test(name, reference, current, kind, seed=0)
    _, drifted_at_own_score = evidently_test(name, reference, current, kind, score, seed=0)
    assert REGISTRY.get(name).drifted(score, score) == drifted_at_own_score


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(UnknownStatTestError) as raised:
        REGISTRY.get("kolmogorov")
    for name in NAMES:
        assert name in str(raised.value)


def test_type_mismatch_lists_tests_for_the_type() -> None:
    with pytest.raises(UnknownStatTestError) as raised:
        REGISTRY.get("fisher_exact", FeatureType.NUMERICAL)
    message = str(raised.value)
    assert "numerical" in message and "wasserstein" in message and "z," not in message


def test_registering_a_name_twice_fails() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        build_registry([REGISTRY.get("ks"), REGISTRY.get("ks")])


def test_notes_state_where_evidently_raises_or_gives_nan() -> None:
    """Tests whose edge cases differ from Evidently say so (checked in test_edge_cases)."""
    for name in (
        "chisquare",
        "g_test",
        "fisher_exact",
        "anderson",
        "cramer_von_mises",
        "t_test",
        "es",
        "empirical_mmd",
        "l_infinity",
    ):
        assert REGISTRY.get(name).note, name


def test_sample_rejects_two_dimensional_values() -> None:
    import numpy as np

    with pytest.raises(ValueError, match="one-dimensional"):
        Sample(np.zeros((2, 2)), FeatureType.NUMERICAL)
