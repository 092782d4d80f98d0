"""Total variation distance with a permutation p-value, as Evidently's ``TVD`` test."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from monitor.stats.base import Comparison, FeatureType, ScoreKind, StatTest
from monitor.stats.binning import aligned_counts
from monitor.stats.sample import Sample

PERMUTATIONS = 1000
SEED = 0
"""Evidently seeds numpy's global generator with 0 before permuting; driftwarden
draws the same permutations from its own generator, leaving global state alone."""

Ints = npt.NDArray[np.int64]


def tvd_p_value(reference: Sample, current: Sample) -> float:
    """Share of 1000 random re-splits of the pooled values whose TVD is at
    least the observed one.

    TVD = ½ Σ |reference share − current share| over the categories of both
    windows. The re-splits are the ones Evidently draws (a seeded permutation
    of reference values followed by current values, the first part becoming
    the reference). Statistics are compared exactly, in integers
    (Σ |r·n_cur − c·n_ref|), so ties count as ties.
    """
    keys, ref_counts, cur_counts = aligned_counts(reference, current)
    position = {key: i for i, key in enumerate(keys)}
    codes = np.fromiter(
        (position[value] for value in (*reference.values.tolist(), *current.values.tolist())),
        dtype=np.intp,
        count=reference.size + current.size,
    )
    ref_int, cur_int = ref_counts.astype(np.int64), cur_counts.astype(np.int64)
    total = ref_int + cur_int
    n_ref, n_cur = reference.size, current.size
    observed = _scaled_tvd(ref_int, cur_int, n_ref, n_cur)
    rng = np.random.RandomState(SEED)
    at_least = 0
    for _ in range(PERMUTATIONS):
        chosen = np.bincount(codes[rng.permutation(codes.size)[:n_ref]], minlength=len(keys))
        at_least += int(_scaled_tvd(chosen, total - chosen, n_ref, n_cur) >= observed)
    return at_least / PERMUTATIONS


def tvd_p_value_counts(reference: Sample, current: Sample) -> float:
    """The permutation p-value of :func:`tvd_p_value` from the category counts alone
    (aggregate mode).

    A random re-split of the pooled values gives the reference a multivariate
    hypergeometric draw of ``n_ref`` from the pooled counts, so 1000 such draws
    have the null distribution the permutations have, without the values. The
    draws are not the same random numbers as row mode's, so the two p-values
    differ by Monte Carlo error (standard deviation at most 0.016 each).
    """
    _, ref_counts, cur_counts = aligned_counts(reference, current)
    ref_int, cur_int = ref_counts.astype(np.int64), cur_counts.astype(np.int64)
    total = ref_int + cur_int
    n_ref, n_cur = reference.size, current.size
    observed = _scaled_tvd(ref_int, cur_int, n_ref, n_cur)
    rng = np.random.default_rng(SEED)
    chosen = rng.multivariate_hypergeometric(total, n_ref, size=PERMUTATIONS)
    scaled = np.abs(chosen * n_cur - (total - chosen) * n_ref).sum(axis=1)
    return float(np.count_nonzero(scaled >= observed)) / PERMUTATIONS


def _scaled_tvd(ref: Ints, cur: Ints, n_ref: int, n_cur: int) -> int:
    """2 · n_ref · n_cur · TVD, an integer."""
    return int(np.abs(ref * n_cur - cur * n_ref).sum())


TVD = StatTest(
    name="TVD",
    display_name="Total-Variation-Distance",
    feature_types=frozenset({FeatureType.CATEGORICAL}),
    score_kind=ScoreKind.P_VALUE,
    default_threshold=0.1,
    comparison=Comparison.LT,
    func=tvd_p_value,
    evidently_name="TVD",
    note="The score is the permutation p-value (1000 seeded permutations, as in "
    "Evidently), not the distance itself; its cost grows with rows × 1000.",
)
