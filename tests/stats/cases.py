"""Seeded data shapes shared by the parity tests.

Each case is built from its own seed, so adding or reordering cases never
changes another case's numbers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

Case = tuple[npt.NDArray[np.float64] | list[str], npt.NDArray[np.float64] | list[str]]


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _num_small_same() -> Case:
    r = _rng(101)
    return r.normal(size=60), r.normal(size=45)


def _num_small_shift() -> Case:
    r = _rng(102)
    return r.normal(size=60), r.normal(0.8, 1, size=45)


def _num_large_same() -> Case:
    """Above 10,000 values: scipy's KS switches to the asymptotic distribution."""
    r = _rng(103)
    return r.normal(size=20_000), r.normal(size=15_000)


def _num_large_shift() -> Case:
    r = _rng(104)
    return r.normal(size=20_000), r.normal(0.05, 1.1, size=15_000)


def _num_ties_few() -> Case:
    """12 distinct integers: binned tests use the values themselves as bins."""
    r = _rng(105)
    return r.integers(0, 12, 500).astype(float), r.integers(0, 13, 400).astype(float)


def _num_ties_many() -> Case:
    """41 distinct integers: Sturges bins with values sitting on bin edges."""
    r = _rng(106)
    return r.integers(0, 41, 600).astype(float), r.integers(0, 41, 450).astype(float) + 1


def _num_heavy_tail() -> Case:
    r = _rng(107)
    return r.standard_cauchy(300), r.standard_cauchy(250) * 1.5


def _num_shifted_location() -> Case:
    """Large mean, small spread: catches cancellation in expanded formulas."""
    r = _rng(108)
    return 1e4 + r.normal(size=200), 1e4 + r.normal(0.3, 1, size=150)


def _num_one_current() -> Case:
    r = _rng(109)
    return r.normal(size=80), np.array([2.5])


def _num_medium() -> Case:
    r = _rng(110)
    return r.gamma(2.0, size=700), r.gamma(2.2, size=600)


def _cat(seed: int, ref_cats: str, cur_cats: str, n_ref: int, n_cur: int) -> Case:
    r = _rng(seed)
    return (
        [str(v) for v in r.choice(list(ref_cats), n_ref)],
        [str(v) for v in r.choice(list(cur_cats), n_cur)],
    )


def _cat_large() -> Case:
    r = _rng(205)
    cats = list("abcdefg")
    ref = r.choice(cats, 20_000, p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05])
    return [str(v) for v in ref], [str(v) for v in r.choice(cats, 15_000)]


def _cat_many() -> Case:
    r = _rng(206)
    cats = [f"c{i}" for i in range(60)]
    return (
        [str(v) for v in r.choice(cats[:55], 3000)],
        [str(v) for v in r.choice(cats[5:], 2500)],
    )


def _cat_numeric_labels() -> Case:
    """Labels that sort differently as text and as numbers ("10" < "9")."""
    r = _rng(207)
    return (
        [str(v) for v in r.choice(["9", "10"], 300, p=[0.6, 0.4])],
        [str(v) for v in r.choice(["9", "10"], 250, p=[0.5, 0.5])],
    )


def _cat_equal_binary_shift() -> Case:
    r = _rng(210)
    return (
        [str(v) for v in r.choice(["x", "y"], 200)],
        [str(v) for v in r.choice(["x", "y"], 200, p=[0.65, 0.35])],
    )


NUMERICAL: dict[str, Callable[[], Case]] = {
    "small_same": _num_small_same,
    "small_shift": _num_small_shift,
    "large_same": _num_large_same,
    "large_shift": _num_large_shift,
    "ties_few": _num_ties_few,
    "ties_many": _num_ties_many,
    "heavy_tail": _num_heavy_tail,
    "shifted_location": _num_shifted_location,
    "one_current_row": _num_one_current,
    "medium": _num_medium,
}

CATEGORICAL: dict[str, Callable[[], Case]] = {
    "small_same": lambda: _cat(201, "abcd", "abcd", 60, 45),
    "appearing": lambda: _cat(202, "abc", "abcd", 300, 250),
    "vanishing": lambda: _cat(203, "abcd", "abc", 300, 250),
    "binary": lambda: _cat(204, "xy", "xy", 200, 150),
    "large": _cat_large,
    "many_categories": _cat_many,
    "numeric_labels": _cat_numeric_labels,
    "one_current_row": lambda: _cat(208, "abc", "c", 80, 1),
    # equal window sizes: Evidently's fisher_exact and g_test accept nothing else
    "equal_binary": lambda: _cat(209, "xy", "xy", 200, 200),
    "equal_binary_shift": _cat_equal_binary_shift,
    "equal_small": lambda: _cat(212, "abcd", "abcd", 300, 300),
    "equal_appearing": lambda: _cat(213, "abc", "abcd", 300, 300),
    "equal_vanishing": lambda: _cat(214, "abcd", "abc", 300, 300),
}
