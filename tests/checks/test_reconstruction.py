"""PCA reconstruction error against NannyML's figures and against scikit-learn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler

from monitor.checks import reconstruction
from monitor.checks.multivariate import reconstruction_drift
from monitor.checks.table import FeatureTable
from monitor.config.checks import MultivariateConfig
from monitor.result import ColumnStatus
from tests.checks.seeded import correlated

# NannyML 0.13.1, DataReconstructionDriftCalculator(chunk_size=500) fitted on
# correlated(11, 5000) and calculated on correlated(12, 500, ...): value, lower
# threshold, upper threshold, alert, components. Produced by
# `python -m tests.checks.nannyml_figures` in an environment with nannyml installed.
NANNYML = {
    "unchanged": (0.926606417403541, 0.841652679287628, 0.9987150995156198, False, 3),
    "shifted": (1.1770356946861036, 0.841652679287628, 0.9987150995156198, True, 3),
    "flipped": (1.3984583090291949, 0.841652679287628, 0.9987150995156198, True, 3),
}
CASES = {"unchanged": {}, "shifted": {"shift": 1.0}, "flipped": {"flip": True}}


@pytest.mark.parametrize("case", sorted(NANNYML))
def test_same_figures_as_nannyml(case: str) -> None:
    reference = correlated(11, 5000)
    current = correlated(12, 500, **CASES[case])  # type: ignore[arg-type]
    value, lower, upper, alert, components = NANNYML[case]
    model = reconstruction.fit(reference, 0.65)
    score = float(model.errors(current).mean())
    band = reconstruction.chunk_band(
        model.errors(reference), current.rows, min_chunks=10, multiplier=3.0
    )
    assert score == pytest.approx(value, rel=1e-9)
    assert band == pytest.approx((lower, upper), rel=1e-9)
    assert reconstruction.outside(score, *band) is alert
    assert model.n_components == components


def _sklearn_errors(
    reference: pd.DataFrame, current: pd.DataFrame, variance: float
) -> tuple[np.ndarray, int]:
    """Row errors and components kept, by the same steps spelled with scikit-learn and pandas."""
    numerical, categorical = ["a", "b", "c", "d"], ["cat"]
    mean_imputer = SimpleImputer(strategy="mean").fit(reference[numerical])
    mode_imputer = SimpleImputer(missing_values=None, strategy="most_frequent").fit(
        reference[categorical]
    )

    def encode(frame: pd.DataFrame) -> np.ndarray:
        out = pd.DataFrame(mean_imputer.transform(frame[numerical]), columns=numerical)
        cats = pd.DataFrame(mode_imputer.transform(frame[categorical]), columns=categorical)
        shares = reference_cats["cat"].value_counts(normalize=True)
        out["cat"] = cats["cat"].map(shares).fillna(0.0).to_numpy(dtype=float)
        return out.to_numpy()

    reference_cats = pd.DataFrame(
        mode_imputer.transform(reference[categorical]), columns=categorical
    )
    scaler = StandardScaler().fit(encode(reference))
    pca = PCA(n_components=variance, svd_solver="full").fit(scaler.transform(encode(reference)))
    scaled = scaler.transform(encode(current))
    errors = np.linalg.norm(scaled - pca.inverse_transform(pca.transform(scaled)), axis=1)
    return errors, int(pca.n_components_)


def _frame(table: FeatureTable) -> pd.DataFrame:
    return pd.DataFrame({**table.numerical, **table.categorical})


@pytest.mark.parametrize("variance", [0.3, 0.65, 0.9])
@pytest.mark.parametrize("seed", [0, 1])
def test_row_errors_equal_a_scikit_learn_pipeline(variance: float, seed: int) -> None:
    reference = correlated(seed, 3000)
    current = correlated(seed + 100, 700, shift=0.5)
    model = reconstruction.fit(reference, variance)
    expected, components = _sklearn_errors(_frame(reference), _frame(current), variance)
    np.testing.assert_allclose(model.errors(current), expected, rtol=1e-9, atol=1e-12)
    assert model.n_components == components


def test_band_from_chunks_of_the_current_windows_size() -> None:
    errors = np.random.default_rng(0).gamma(2.0, size=10_050)
    lower, upper = reconstruction.chunk_band(errors, 500, min_chunks=10, multiplier=3.0)
    means = pd.Series(errors[:10_000]).groupby(np.arange(10_000) // 500).mean()
    assert len(means) == 20  # the 50 rows past the last full chunk are left out
    assert upper == pytest.approx(means.mean() + 3 * means.std(ddof=0), rel=1e-12)
    assert lower == pytest.approx(means.mean() - 3 * means.std(ddof=0), rel=1e-12)


def test_band_rescaled_when_the_reference_is_short() -> None:
    errors = np.random.default_rng(1).gamma(2.0, size=2000)
    # only 4 chunks of 500 fit: 10 chunks of 200 instead, spread shrunk by sqrt(200 / 500)
    lower, upper = reconstruction.chunk_band(errors, 500, min_chunks=10, multiplier=3.0)
    means = errors.reshape(10, 200).mean(axis=1)
    spread = means.std() * np.sqrt(200 / 500)
    assert (lower, upper) == pytest.approx(
        (means.mean() - 3 * spread, means.mean() + 3 * spread), rel=1e-12
    )


def test_lower_edge_at_or_below_zero_is_dropped() -> None:
    errors = np.concatenate([np.zeros(500), np.full(500, 10.0)])
    lower, upper = reconstruction.chunk_band(errors, 100, min_chunks=10, multiplier=3.0)
    assert lower is None and upper == pytest.approx(5 + 3 * 5)
    assert reconstruction.outside(0.0, lower, upper) is False
    assert reconstruction.outside(20.0001, lower, upper) is True
    assert reconstruction.outside(20.0, lower, upper) is False  # on the edge is inside


def test_finds_a_change_of_correlation_that_no_single_column_shows() -> None:
    reference, current = correlated(21, 5000), correlated(22, 1000, flip=True)
    for column in ("a", "b"):
        ref, cur = reference.numerical[column], current.numerical[column]
        assert stats.ks_2samp(ref[~np.isnan(ref)], cur[~np.isnan(cur)]).pvalue > 0.05
    result = reconstruction_drift(reference, current, MultivariateConfig())
    assert result.status is ColumnStatus.OK and result.detected is True
    assert result.score is not None and result.upper_threshold is not None
    assert result.score > result.upper_threshold
    unchanged = reconstruction_drift(reference, correlated(23, 1000), MultivariateConfig())
    assert unchanged.detected is False
    assert (unchanged.rows_reference, unchanged.rows_current, unchanged.columns) == (5000, 1000, 5)


def test_constant_and_empty_columns_have_a_defined_result() -> None:
    rng = np.random.default_rng(5)
    n = 400

    def table(rows: int, offset: float) -> FeatureTable:
        return FeatureTable(
            {
                "x": rng.normal(size=rows),
                "y": rng.normal(size=rows),
                "constant": np.full(rows, 3.0 + offset),
                "empty": np.full(rows, np.nan),
            },
            {"one": np.array(["k"] * rows, dtype=object), "none": np.array([None] * rows)},
        )

    model = reconstruction.fit(table(n, 0.0), 0.65)
    same = model.errors(table(100, 0.0))
    assert np.all(np.isfinite(same))
    moved = model.errors(table(100, 1.0))  # the constant column moves by one unit
    assert np.all(moved > same.mean())


def test_every_column_constant_is_zero_error_until_a_value_moves() -> None:
    constant = FeatureTable({"x": np.full(50, 1.0), "y": np.full(50, 2.0)}, {})
    model = reconstruction.fit(constant, 0.65)
    assert model.n_components == 0
    assert np.all(model.errors(constant) == 0)
    band = reconstruction.chunk_band(model.errors(constant), 5, min_chunks=10, multiplier=3)
    assert band == (None, 0.0)
    moved = FeatureTable({"x": np.full(5, 1.0), "y": np.full(5, 2.5)}, {})
    assert model.errors(moved).mean() == pytest.approx(0.5)
    assert reconstruction_drift(constant, constant, MultivariateConfig()).detected is False
    assert reconstruction_drift(constant, moved, MultivariateConfig()).detected is True


def test_too_little_data_is_insufficient_data() -> None:
    config = MultivariateConfig()
    one_column = FeatureTable({"x": np.arange(100.0)}, {})
    result = reconstruction_drift(one_column, one_column, config)
    assert result.status is ColumnStatus.INSUFFICIENT_DATA and result.detected is None
    assert result.message == "needs at least 2 feature columns to reconstruct"
    short = correlated(0, 9)
    result = reconstruction_drift(short, correlated(1, 50), config)
    assert result.status is ColumnStatus.INSUFFICIENT_DATA
    assert "reference has 9 rows" in (result.message or "")
    empty = reconstruction_drift(correlated(0, 100), correlated(1, 0), config)
    assert empty.status is ColumnStatus.INSUFFICIENT_DATA


def _with_extremes(table: FeatureTable) -> FeatureTable:
    a = table.numerical["a"].copy()
    a[:3] = [1e308, -1e308, 1.7e308]
    return FeatureTable({**table.numerical, "a": a}, table.categorical)


def test_extreme_values_give_a_defined_result() -> None:
    reference, current = correlated(30, 2000), correlated(31, 500)
    config = MultivariateConfig()
    # in the reference: scaling stays finite and unchanged data is not drift
    result = reconstruction_drift(_with_extremes(reference), current, config)
    assert result.score is not None and np.isfinite(result.score)
    assert result.upper_threshold is not None and np.isfinite(result.upper_threshold)
    assert result.detected is False
    # in the current window only: infinitely far from anything seen, so drift
    result = reconstruction_drift(reference, _with_extremes(current), config)
    assert result.score == np.inf and result.detected is True
    # in both: finite again
    both = reconstruction_drift(_with_extremes(reference), _with_extremes(current), config)
    assert both.score is not None and np.isfinite(both.score)


def test_a_reference_the_components_reproduce_exactly_has_a_zero_band() -> None:
    # two free columns and a category shared half and half: its encoded column is
    # constant, so two components reproduce every reference row exactly
    rng = np.random.default_rng(40)
    cat = np.array(["p", "q"] * 250, dtype=object)
    reference = FeatureTable({"x": rng.normal(size=500), "y": rng.normal(size=500)}, {"c": cat})
    model = reconstruction.fit(reference, 0.65)
    assert model.n_components == 2 and np.all(model.errors(reference) == 0)
    same = FeatureTable(
        {"x": rng.normal(size=100), "y": rng.normal(size=100)},
        {"c": np.array(["q", "p"] * 50, dtype=object)},
    )
    assert reconstruction_drift(reference, same, MultivariateConfig()).detected is False
    new = FeatureTable(same.numerical, {"c": np.array(["r"] * 100, dtype=object)})
    assert reconstruction_drift(reference, new, MultivariateConfig()).detected is True
