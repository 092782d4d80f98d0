"""Laws the drift tests obey, checked on generated data (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from monitor.stats import FeatureType, OutcomeStatus, Sample, ScoreKind, build_registry
from monitor.stats.binning import bin_counts, sturges_edges
from monitor.stats.cdf import cdf_distance, quantile_l1
from monitor.stats.ks import ks_statistic

REGISTRY = build_registry()
NUMERICAL_TESTS = REGISTRY.names(FeatureType.NUMERICAL)
CATEGORICAL_TESTS = REGISTRY.names(FeatureType.CATEGORICAL)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

any_finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
moderate = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
extreme = st.sampled_from([1e308, -1e308, 1.7976931348623157e308, -5e-324, 1e-300, 0.0, -0.0])


def values(elements: st.SearchStrategy[float], max_size: int = 40) -> st.SearchStrategy[np.ndarray]:
    return arrays(np.float64, st.integers(1, max_size), elements=elements)


mixed = st.one_of(any_finite, extreme, st.integers(-3, 3).map(float))
labels = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1, max_size=40)


# -- every test: defined outcome, score in range -------------------------------


@pytest.mark.filterwarnings("error")
@SETTINGS
@given(reference=values(mixed), current=values(mixed), name=st.sampled_from(NUMERICAL_TESTS))
def test_numerical_outcome_is_defined_and_in_range(
    reference: np.ndarray, current: np.ndarray, name: str
) -> None:
    _check_outcome(name, Sample.numerical(reference), Sample.numerical(current))


@pytest.mark.filterwarnings("error")
@SETTINGS
@given(reference=labels, current=labels, name=st.sampled_from(CATEGORICAL_TESTS))
def test_categorical_outcome_is_defined_and_in_range(
    reference: list[str], current: list[str], name: str
) -> None:
    _check_outcome(name, Sample.categorical(reference), Sample.categorical(current))


def _check_outcome(name: str, reference: Sample, current: Sample) -> None:
    test = REGISTRY.get(name)
    outcome = test.evaluate(reference, current, test.default_threshold)
    if outcome.status is not OutcomeStatus.OK:
        assert outcome.score is None and outcome.drifted is None
        assert name in {"fisher_exact", "es"} or outcome.status is OutcomeStatus.TOO_FEW_VALUES
        return
    assert outcome.score is not None and math.isfinite(outcome.score)
    if test.score_kind is ScoreKind.P_VALUE:
        assert 0.0 <= outcome.score <= 1.0
    else:
        assert outcome.score >= 0.0


# -- identical windows ---------------------------------------------------------

DISTANCES = [n for n in REGISTRY.names() if REGISTRY.get(n).score_kind is ScoreKind.DISTANCE]


@SETTINGS
@given(data=values(moderate), name=st.sampled_from(DISTANCES))
def test_distance_of_a_window_to_itself_is_zero(data: np.ndarray, name: str) -> None:
    test = REGISTRY.get(name)
    if FeatureType.NUMERICAL in test.feature_types:
        score = test.score(Sample.numerical(data), Sample.numerical(data.copy()))
    else:
        labels_ = [str(v) for v in data.round()]
        score = test.score(Sample.categorical(labels_), Sample.categorical(list(labels_)))
    # Hellinger is sqrt(1 - sum of shares), and the shares' sum rounds.
    assert score <= (1e-7 if name == "hellinger" else 0.0)


EXACT_FOR_IDENTICAL = ["ks", "chisquare", "z", "t_test", "g_test", "fisher_exact", "TVD"]


@SETTINGS
@given(data=labels, name=st.sampled_from(EXACT_FOR_IDENTICAL))
def test_p_value_of_identical_windows_is_one(data: list[str], name: str) -> None:
    test = REGISTRY.get(name)
    if FeatureType.NUMERICAL in test.feature_types:
        numbers = np.array([float(ord(v)) for v in data])
        assume(numbers.size >= test.min_size)
        reference, current = Sample.numerical(numbers), Sample.numerical(numbers.copy())
    else:
        assume(name != "fisher_exact" or len(set(data)) <= 2)
        reference, current = Sample.categorical(data), Sample.categorical(list(data))
    assert math.isclose(test.score(reference, current), 1.0, rel_tol=1e-12)


# -- symmetry --------------------------------------------------------------------

SYMMETRIC_NUMERICAL = ["ks", "ed", "cramer_von_mises", "anderson", "t_test"]
SYMMETRIC_CATEGORICAL = ["z", "jensenshannon", "psi", "hellinger", "l_infinity", "fisher_exact"]


@SETTINGS
@given(
    reference=values(moderate), current=values(moderate), name=st.sampled_from(SYMMETRIC_NUMERICAL)
)
def test_symmetric_numerical_tests(reference: np.ndarray, current: np.ndarray, name: str) -> None:
    test = REGISTRY.get(name)
    assume(min(reference.size, current.size) >= test.min_size)
    forward = test.score(Sample.numerical(reference), Sample.numerical(current))
    backward = test.score(Sample.numerical(current), Sample.numerical(reference))
    assert forward == backward or math.isclose(forward, backward, rel_tol=1e-9, abs_tol=1e-300)


@SETTINGS
@given(reference=labels, current=labels, name=st.sampled_from(SYMMETRIC_CATEGORICAL))
def test_symmetric_categorical_tests(reference: list[str], current: list[str], name: str) -> None:
    test = REGISTRY.get(name)
    forward = test.score(Sample.categorical(reference), Sample.categorical(current))
    backward = test.score(Sample.categorical(current), Sample.categorical(reference))
    if math.isnan(forward):
        assert math.isnan(backward)
    else:
        # Hellinger: sqrt(1 - coefficient) amplifies the order of the sum near 0.
        assert math.isclose(forward, backward, rel_tol=1e-9, abs_tol=1e-7)


# -- invariances ---------------------------------------------------------------


@SETTINGS
@given(
    reference=values(st.floats(-1e3, 1e3), 40).filter(lambda a: a.std() > 0.01),
    current=values(st.floats(-1e3, 1e3), 40),
    shift=st.floats(-1e3, 1e3),
)
def test_normed_wasserstein_ignores_a_common_shift(
    reference: np.ndarray, current: np.ndarray, shift: float
) -> None:
    test = REGISTRY.get("wasserstein")
    plain = test.score(Sample.numerical(reference), Sample.numerical(current))
    moved = test.score(Sample.numerical(reference + shift), Sample.numerical(current + shift))
    assert math.isclose(plain, moved, rel_tol=1e-6, abs_tol=1e-9)


SCALE_FREE = [
    "ks",
    "wasserstein",
    "cramer_von_mises",
    "anderson",
    "mannw",
    "t_test",
    "jensenshannon",
    "psi",
    "kl_div",
    "hellinger",
    "empirical_mmd",
]


ordinary = st.floats(-100, 100).filter(lambda v: v == 0 or abs(v) > 1e-6)
"""Rescaling by 2**±1000 neither overflows nor underflows these."""


@SETTINGS
@example(  # permutation ties: rescaled arithmetic must be bit for bit the plain one
    reference=np.array([-48.6, -85.4]),
    current=np.array([-48.4, 52.6]),
    exponent=500,
    name="empirical_mmd",
)
@given(
    reference=values(ordinary, 30).filter(lambda a: a.std() > 0.01),
    current=values(ordinary, 30),
    exponent=st.sampled_from([-1000, -900, -500, 500, 900, 1000]),
    name=st.sampled_from(SCALE_FREE),
)
def test_power_of_two_rescaling_leaves_scale_free_scores_unchanged(
    reference: np.ndarray, current: np.ndarray, exponent: int, name: str
) -> None:
    """Values near 1e±300 give the score exact arithmetic gives, which is the
    score of the same data at ordinary magnitude (what Evidently computes there)."""
    test = REGISTRY.get(name)
    assume(min(reference.size, current.size) >= test.min_size)
    # Wasserstein's norm has an absolute floor (0.001): scale-free only upwards.
    assume(name != "wasserstein" or exponent > 0)
    factor = math.ldexp(1.0, exponent)
    plain = test.score(Sample.numerical(reference), Sample.numerical(current))
    scaled = test.score(Sample.numerical(reference * factor), Sample.numerical(current * factor))
    assert plain == scaled or math.isclose(plain, scaled, rel_tol=1e-9, abs_tol=1e-300)


@SETTINGS
@given(
    reference=values(ordinary, 30),
    current=values(ordinary, 30),
    half_exponent=st.sampled_from([-500, -450, 450, 500]),
)
def test_energy_distance_scales_with_the_square_root(
    reference: np.ndarray, current: np.ndarray, half_exponent: int
) -> None:
    test = REGISTRY.get("ed")
    factor = math.ldexp(1.0, 2 * half_exponent)
    plain = test.score(Sample.numerical(reference), Sample.numerical(current))
    scaled = test.score(Sample.numerical(reference * factor), Sample.numerical(current * factor))
    assert math.isclose(scaled, plain * math.ldexp(1.0, half_exponent), rel_tol=1e-12, abs_tol=0)


# -- building blocks against numpy and scipy -------------------------------------


@SETTINGS
@given(
    reference=values(mixed.filter(lambda v: abs(v) < 1e300), 60),
    current=values(mixed.filter(lambda v: abs(v) < 1e300), 60),
)
def test_cdf_distances_equal_scipys(reference: np.ndarray, current: np.ndarray) -> None:
    u, v = np.sort(reference), np.sort(current)
    with np.errstate(over="ignore", invalid="ignore"):
        expected_w = stats.wasserstein_distance(reference, current)
        expected_e = stats.energy_distance(reference, current)
    assert _same(cdf_distance(u, v, 1), expected_w)
    assert math.isclose(quantile_l1(u, v), expected_w, rel_tol=1e-12) or _same(
        quantile_l1(u, v), expected_w
    )
    assert _same(math.sqrt(2) * cdf_distance(u, v, 2), expected_e)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # scipy, one-value windows
@SETTINGS
@given(reference=values(mixed, 60), current=values(mixed, 60))
def test_ks_statistic_equals_scipys(reference: np.ndarray, current: np.ndarray) -> None:
    """Against scipy's asymptotic branch (the exact branch rounds the statistic
    to its lattice; driftwarden hands small windows to scipy itself)."""
    expected = stats.ks_2samp(reference, current, method="asymp").statistic
    assert ks_statistic(np.sort(reference), np.sort(current)) == expected


@SETTINGS
@given(data=values(mixed.filter(lambda v: abs(v) < 1e300), 80))
def test_sturges_edges_and_counts_equal_numpys(data: np.ndarray) -> None:
    """Equal to numpy's edges and counts; where numpy refuses (a range with fewer
    representable numbers than bins) still increasing edges holding every value."""
    edges = sturges_edges(float(data.min()), float(data.max()), data.size)
    try:
        expected_edges = np.histogram_bin_edges(data, bins="sturges")
    except ValueError:
        assert np.all(edges[1:] > edges[:-1])
        assert edges[0] <= data.min() and data.max() <= edges[-1]
    else:
        np.testing.assert_array_equal(edges, expected_edges)
    expected_counts = np.histogram(data, edges)[0]
    sorted_sample = Sample.numerical(data)
    _ = sorted_sample.sorted
    np.testing.assert_array_equal(bin_counts(sorted_sample, edges), expected_counts)
    np.testing.assert_array_equal(bin_counts(Sample.numerical(data), edges), expected_counts)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12)
