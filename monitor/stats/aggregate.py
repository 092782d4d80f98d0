"""Which drift tests run on counts (aggregate mode), and the registry they run from.

In aggregate mode the current window arrives as counts: category counts,
counts of the distinct values of a numerical column with few of them, and
histograms of numerical columns. The tests below need nothing else:

- exact (the same numbers as row mode): every test on category counts, and
  ``psi``, ``jensenshannon``, ``kl_div`` on numerical columns (their bins are
  Sturges bins computed from the windows' sizes and extremes, which the
  database returns first);
- bounded: ``ks`` and ``wasserstein`` on fine quantile bins of the reference
  (see :mod:`monitor.stats.binned` for the bounds);
- ``TVD``: the same null distribution, drawn from the counts (Monte Carlo error).

The rest need the raw values (ranks, pairwise distances, permutations of the
values themselves) and are refused in this mode. ``hellinger`` on numerical
columns bins the distinct values of both windows, whose number the counts do
not give, so it is refused there too (it runs on categorical columns).
"""

from __future__ import annotations

import dataclasses

from monitor.stats.base import FeatureType, StatTest
from monitor.stats.binned import ks_p_value_binned, wasserstein_normed_binned
from monitor.stats.registry import StatTestRegistry
from monitor.stats.sample import Sample
from monitor.stats.tvd import tvd_p_value_counts

AGGREGATE_METHODS: dict[FeatureType, tuple[str, ...]] = {
    FeatureType.NUMERICAL: ("jensenshannon", "kl_div", "ks", "psi", "wasserstein"),
    FeatureType.CATEGORICAL: (
        "TVD",
        "chisquare",
        "fisher_exact",
        "g_test",
        "hellinger",
        "jensenshannon",
        "kl_div",
        "l_infinity",
        "psi",
        "z",
    ),
}
"""The tests a monitor in aggregate mode may name, by column type."""

BINNED = {
    "ks": ks_p_value_binned,
    "wasserstein": wasserstein_normed_binned,
    "TVD": tvd_p_value_counts,
}
"""Tests with their own form on counts: ``ks`` and ``wasserstein`` on bins (bounded
difference to row mode), ``TVD`` drawing its re-splits from the counts (Monte Carlo
difference)."""


def allowed(name: str, feature_type: FeatureType) -> bool:
    return name in AGGREGATE_METHODS[feature_type]


def _refusing(test: StatTest) -> StatTest:
    def refuse(reference: Sample, current: Sample) -> float:
        kind = reference.feature_type
        if allowed(test.name, kind):
            return test.func(reference, current)
        raise ValueError(
            f"drift test {test.name!r} needs the raw rows of {kind.value} columns and does not "
            "run in aggregate mode; expected one of: " + ", ".join(AGGREGATE_METHODS[kind])
        )

    return dataclasses.replace(test, func=refuse)


def aggregate_registry(registry: StatTestRegistry) -> StatTestRegistry:
    """The same tests (names, thresholds, verdict rules, default rule), with ``ks``
    and ``wasserstein`` computed on bins and the rest refusing raw-row work."""
    out = StatTestRegistry()
    for test in registry:
        binned = BINNED.get(test.name)
        if binned is not None:
            out.register(
                dataclasses.replace(test, func=binned, note=test.note or "computed on bins")
            )
        else:
            out.register(_refusing(test))
    return out
