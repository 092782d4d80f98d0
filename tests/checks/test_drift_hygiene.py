"""Alert hygiene of the drift checks: min_rows, the effect-size guard and the
multiple-testing correction, checked against scipy on seeded data."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial import distance

from monitor.checks.drift import ColumnPair, column_drift, correct, dataset_drift
from monitor.columns import TypedColumn
from monitor.config import ConfigError, parse_config
from monitor.config.models import Correction, DriftConfig, EffectGuard
from monitor.result import ColumnResult, ColumnStatus, Role
from monitor.stats import FeatureType, build_registry

REGISTRY = build_registry()


def numeric(name: str, values: np.ndarray, missing: int = 0) -> TypedColumn:
    return TypedColumn(name, FeatureType.NUMERICAL, values.astype(np.float64), missing)


def categories(name: str, values: list[str]) -> TypedColumn:
    return TypedColumn(name, FeatureType.CATEGORICAL, np.array(values, dtype=object), 0)


def pair(ref: TypedColumn, cur: TypedColumn, role: Role = Role.FEATURE) -> ColumnPair:
    return ColumnPair(ref, cur, role)


# -- min_rows -----------------------------------------------------------------------


def test_min_rows_leaves_sparse_columns_without_a_verdict() -> None:
    rng = np.random.default_rng(0)
    ref = numeric("x", rng.normal(size=500))
    sparse = numeric("x", rng.normal(3, 1, size=29), missing=971)
    drift = DriftConfig(min_rows=30)
    result = column_drift(pair(ref, sparse), drift, REGISTRY)
    assert result.status is ColumnStatus.INSUFFICIENT_DATA
    assert (result.drifted, result.method, result.score) == (None, None, None)
    assert (result.rows_current, result.missing_current) == (29, 971)
    # one more value and the (obvious) shift is found
    enough = numeric("x", rng.normal(3, 1, size=30))
    tested = column_drift(pair(ref, enough), drift, REGISTRY)
    assert tested.status is ColumnStatus.OK and tested.drifted is True
    # the reference window counts too
    short_ref = column_drift(pair(numeric("x", ref.values[:29]), enough), drift, REGISTRY)
    assert short_ref.status is ColumnStatus.INSUFFICIENT_DATA


def test_default_min_rows_tests_any_column_with_values() -> None:
    rng = np.random.default_rng(1)
    ref = numeric("x", rng.normal(size=200))
    one = column_drift(pair(ref, numeric("x", np.array([0.1]))), DriftConfig(), REGISTRY)
    assert one.status is ColumnStatus.OK and one.method == "ks"
    assert one.score == pytest.approx(stats.ks_2samp(ref.values, [0.1]).pvalue, rel=1e-12)
    empty = column_drift(pair(ref, numeric("x", np.array([]), 5)), DriftConfig(), REGISTRY)
    assert empty.status is ColumnStatus.INSUFFICIENT_DATA


def test_insufficient_columns_do_not_count_towards_dataset_drift() -> None:
    rng = np.random.default_rng(2)
    drift = DriftConfig(min_rows=50)
    results = [
        column_drift(
            pair(numeric("a", rng.normal(size=300)), numeric("a", rng.normal(5, 1, 40))),
            drift,
            REGISTRY,
        ),
        column_drift(
            pair(numeric("b", rng.normal(size=300)), numeric("b", rng.normal(size=300))),
            drift,
            REGISTRY,
        ),
    ]
    summary = dataset_drift(results, 0.5)
    assert (summary.tested_columns, summary.drifted_columns, summary.detected) == (1, 0, False)


# -- effect-size guard ----------------------------------------------------------------


def test_effect_guard_drops_tiny_but_significant_shifts_on_huge_windows() -> None:
    rng = np.random.default_rng(3)
    ref = rng.normal(size=200_000)
    cur = rng.normal(0.03, 1, size=200_000)
    p_value = stats.ks_2samp(ref, cur).pvalue
    assert p_value < 1e-6  # significant beyond doubt, yet a shift of 0.03 sd
    pair_ = pair(numeric("x", ref), numeric("x", cur))
    plain = column_drift(pair_, DriftConfig(numerical_method="ks"), REGISTRY)
    assert plain.drifted is True and plain.effect_method is None
    guarded = column_drift(
        pair_, DriftConfig(numerical_method="ks", min_effect=EffectGuard(value=0.1)), REGISTRY
    )
    expected_effect = stats.wasserstein_distance(ref, cur) / np.std(ref)
    assert guarded.effect_method == "wasserstein"
    assert guarded.effect_size == pytest.approx(expected_effect, rel=1e-9)
    assert guarded.effect_threshold == 0.1
    assert guarded.score == pytest.approx(p_value, rel=1e-9)  # the raw p-value is kept
    assert guarded.drifted is False


def test_effect_guard_keeps_shifts_that_matter() -> None:
    rng = np.random.default_rng(4)
    ref, cur = rng.normal(size=50_000), rng.normal(0.3, 1, size=50_000)
    guarded = column_drift(
        pair(numeric("x", ref), numeric("x", cur)),
        DriftConfig(numerical_method="ks", min_effect=EffectGuard(value=0.1)),
        REGISTRY,
    )
    assert guarded.effect_size == pytest.approx(
        stats.wasserstein_distance(ref, cur) / np.std(ref), rel=1e-9
    )
    assert guarded.effect_size > 0.1
    assert guarded.drifted is True


def test_effect_guard_on_categorical_columns_uses_jensen_shannon() -> None:
    rng = np.random.default_rng(5)
    ref = rng.choice(["a", "b", "c"], p=[0.5, 0.3, 0.2], size=300_000).tolist()
    cur = rng.choice(["a", "b", "c"], p=[0.49, 0.31, 0.2], size=300_000).tolist()
    drift = DriftConfig(categorical_method="chisquare", min_effect=0.05)
    result = column_drift(pair(categories("c", ref), categories("c", cur)), drift, REGISTRY)
    shares = [Counter(ref), Counter(cur)]
    expected = distance.jensenshannon(
        [shares[0][k] / len(ref) for k in "abc"], [shares[1][k] / len(cur) for k in "abc"]
    )
    assert result.method == "chisquare" and result.score < 0.05
    assert result.effect_method == "jensenshannon"
    assert result.effect_size == pytest.approx(expected, rel=1e-9)
    assert result.drifted is False


def test_effect_guard_leaves_distance_tests_alone() -> None:
    rng = np.random.default_rng(6)
    ref, cur = rng.normal(size=2000), rng.normal(1, 1, size=2000)  # wasserstein by default
    result = column_drift(
        pair(numeric("x", ref), numeric("x", cur)), DriftConfig(min_effect=0.5), REGISTRY
    )
    assert result.method == "wasserstein"
    assert result.effect_method is None and result.drifted is True


# -- correction --------------------------------------------------------------------------


def _ks_family(seed: int) -> list[ColumnPair]:
    """Ten numerical columns of 300 rows; three shifted by different amounts."""
    rng = np.random.default_rng(seed)
    shifts = [0.0] * 7 + [0.15, 0.25, 0.6]
    return [
        pair(numeric(f"c{i}", rng.normal(size=300)), numeric(f"c{i}", rng.normal(s, 1, 300)))
        for i, s in enumerate(shifts)
    ]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("correction", [Correction.BONFERRONI, Correction.FDR_BH])
def test_correction_adjusts_the_monitors_p_values_together(
    seed: int, correction: Correction
) -> None:
    drift = DriftConfig(correction=correction)
    pairs = _ks_family(seed)
    raw = [column_drift(p, drift, REGISTRY) for p in pairs]
    assert {r.method for r in raw} == {"ks"}
    corrected = correct(raw, correction, REGISTRY)
    p = np.array([stats.ks_2samp(q.reference.values, q.current.values).pvalue for q in pairs])
    if correction is Correction.FDR_BH:
        expected = stats.false_discovery_control(p, method="bh")
    else:
        expected = np.minimum(p * len(p), 1.0)
    for r, p_raw, p_adj in zip(corrected, p, expected, strict=True):
        assert r.score == pytest.approx(p_raw, rel=1e-12)
        assert r.p_value_adjusted == pytest.approx(p_adj, rel=1e-12)
        assert r.correction == correction.value
        assert r.drifted == (p_adj <= 0.05)  # ks: drift when p <= threshold


def test_correction_skips_distance_tests_and_untested_columns() -> None:
    rng = np.random.default_rng(7)
    big = pair(numeric("w", rng.normal(size=5000)), numeric("w", rng.normal(1, 1, 5000)))
    small = pair(numeric("k", rng.normal(size=100)), numeric("k", rng.normal(1, 1, 100)))
    empty = pair(numeric("e", rng.normal(size=100)), numeric("e", np.array([]), 100))
    drift = DriftConfig(correction=Correction.BONFERRONI)
    results = correct(
        [column_drift(p, drift, REGISTRY) for p in (big, small, empty)],
        Correction.BONFERRONI,
        REGISTRY,
    )
    assert results[0].method == "wasserstein" and results[0].p_value_adjusted is None
    assert results[1].method == "ks"
    # the family is the one p-value test: m = 1
    assert results[1].p_value_adjusted == pytest.approx(results[1].score)
    assert results[2].status is ColumnStatus.INSUFFICIENT_DATA
    assert results[2].p_value_adjusted is None


def _result(p: float, threshold: float, method: str, effect: float | None) -> ColumnResult:
    return ColumnResult(
        column="c",
        role=Role.FEATURE,
        feature_type="numerical",
        method=method,
        score_kind="p_value",
        score=p,
        threshold=threshold,
        drifted=None,
        status=ColumnStatus.OK,
        rows_reference=100,
        rows_current=100,
        missing_reference=0,
        missing_current=0,
        effect_method=None if effect is None else "wasserstein",
        effect_size=effect,
        effect_threshold=None if effect is None else 0.1,
    )


family = st.lists(
    st.tuples(
        st.floats(0.0, 1.0),
        st.sampled_from([0.001, 0.01, 0.05, 0.1]),
        st.sampled_from(["ks", "chisquare", "z"]),
        st.one_of(st.none(), st.floats(0.0, 1.0)),
    ),
    min_size=1,
    max_size=40,
)


@given(family, st.sampled_from([Correction.BONFERRONI, Correction.FDR_BH]))
def test_a_correction_never_adds_a_drift_verdict(
    members: list[tuple[float, float, str, float | None]], correction: Correction
) -> None:
    results = [_result(*m) for m in members]
    plain = [
        REGISTRY.get(r.method).drifted(r.score, r.threshold)  # type: ignore[arg-type]
        and (r.effect_size is None or r.effect_size >= 0.1)
        for r in results
    ]
    corrected = correct(results, correction, REGISTRY)
    for before, after in zip(plain, corrected, strict=True):
        assert after.p_value_adjusted is not None and after.score is not None
        assert after.p_value_adjusted >= after.score
        assert not (after.drifted and not before)


def test_no_correction_leaves_results_untouched() -> None:
    results = [_result(0.01, 0.05, "ks", None)]
    assert correct(results, Correction.NONE, REGISTRY) == tuple(results)


# -- config ----------------------------------------------------------------------------

BASE = """
[[monitors]]
name = "m"
source_url = "sqlite://"
table = "t"
timestamp_column = "ts"
numerical = ["x"]
categorical = ["c"]
current = { last = "1h" }
reference = { last = "1d" }
[monitors.drift]
"""


def test_effect_guard_shorthand_and_table_forms() -> None:
    short = parse_config(BASE + "min_effect = 0.2\ncorrection = 'fdr_bh'\nmin_rows = 25\n")
    drift = short.monitors[0].drift
    assert drift.min_effect == EffectGuard(
        value=0.2, numerical_method="wasserstein", categorical_method="jensenshannon"
    )
    assert drift.correction is Correction.FDR_BH and drift.min_rows == 25
    table = parse_config(BASE + "min_effect = { value = 0.3, categorical_method = 'psi' }\n")
    guard = table.monitors[0].drift.min_effect
    assert guard == EffectGuard(value=0.3, numerical_method="wasserstein", categorical_method="psi")


def test_defaults_agree_with_evidently() -> None:
    drift = parse_config(BASE).monitors[0].drift
    assert (drift.min_rows, drift.correction, drift.min_effect) == (1, Correction.NONE, None)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "min_effect = { value = 0.1, numerical_method = 'ks' }",
            "field 'drift.min_effect.numerical_method': 'ks' gives a p-value, not an effect size",
        ),
        (
            "min_effect = { value = 0.1, categorical_method = 'nope' }",
            "field 'drift.min_effect.categorical_method': unknown drift test 'nope'",
        ),
        ("correction = 'holm'", "'none', 'bonferroni' or 'fdr_bh'"),
        ("min_rows = 0", "drift.min_rows"),
        ("min_effect = -1", "drift.min_effect.value"),
    ],
)
def test_bad_hygiene_options_are_clear_config_errors(line: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(BASE + line + "\n")
    message = str(caught.value)
    assert "monitor 'm'" in message
    assert expected in message
