"""Drift tests by name, and the default choice of test for a column.

Config names resolve here; an unknown name or a test that does not apply to a
column's type fails with the list of valid choices.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from monitor.stats.anderson import ANDERSON
from monitor.stats.base import FeatureType, StatTest
from monitor.stats.chisquare import CHISQUARE
from monitor.stats.cramer_von_mises import CRAMER_VON_MISES
from monitor.stats.energy import ENERGY
from monitor.stats.epps_singleton import EPPS_SINGLETON
from monitor.stats.fisher_exact import FISHER_EXACT
from monitor.stats.g_test import G_TEST
from monitor.stats.hellinger import HELLINGER
from monitor.stats.jensenshannon import JENSENSHANNON
from monitor.stats.kl_div import KL_DIV
from monitor.stats.ks import KS
from monitor.stats.l_infinity import L_INFINITY
from monitor.stats.mannw import MANNW
from monitor.stats.mmd import EMPIRICAL_MMD
from monitor.stats.psi import PSI
from monitor.stats.t_test import T_TEST
from monitor.stats.tvd import TVD
from monitor.stats.wasserstein import WASSERSTEIN
from monitor.stats.z import Z

SMALL_REFERENCE_ROWS = 1000
"""References of this many rows or fewer get the p-value tests (Evidently's rule)."""
FEW_UNIQUE = 5
"""Numerical columns with this many distinct values or fewer are tested as categories."""
BINARY_UNIQUE = 2


class UnknownStatTestError(ValueError):
    """A drift test name that is not registered, or not valid for a column type."""


@dataclass
class StatTestRegistry:
    """Drift tests keyed by name."""

    _tests: dict[str, StatTest] = field(default_factory=dict)

    def register(self, test: StatTest) -> None:
        if test.name in self._tests:
            raise ValueError(f"drift test {test.name!r} is registered twice")
        self._tests[test.name] = test

    def names(self, feature_type: FeatureType | None = None) -> list[str]:
        return sorted(
            name
            for name, test in self._tests.items()
            if feature_type is None or feature_type in test.feature_types
        )

    def __iter__(self) -> Iterator[StatTest]:
        return iter(self._tests.values())

    def __contains__(self, name: object) -> bool:
        return name in self._tests

    def get(self, name: str, feature_type: FeatureType | None = None) -> StatTest:
        test = self._tests.get(name)
        if test is None:
            raise UnknownStatTestError(
                f"unknown drift test {name!r}; expected one of: {', '.join(self.names())}"
            )
        if feature_type is not None and feature_type not in test.feature_types:
            raise UnknownStatTestError(
                f"drift test {name!r} does not apply to {feature_type.value} columns; "
                f"expected one of: {', '.join(self.names(feature_type))}"
            )
        return test

    def default_for(
        self, feature_type: FeatureType, reference_rows: int, n_unique: int
    ) -> StatTest:
        """Evidently's default test for a column.

        ``n_unique`` counts distinct non-missing values over both windows together
        (any count above 5 may stand for a larger one, see
        :func:`monitor.stats.sample.distinct_values`); ``reference_rows`` counts
        non-missing reference values.
        """
        if reference_rows <= SMALL_REFERENCE_ROWS:
            if feature_type is FeatureType.NUMERICAL and n_unique > FEW_UNIQUE:
                return self._tests["ks"]
            return self._tests["chisquare" if n_unique > BINARY_UNIQUE else "z"]
        if feature_type is FeatureType.NUMERICAL and n_unique > FEW_UNIQUE:
            return self._tests["wasserstein"]
        return self._tests["jensenshannon"]


def build_registry(tests: Iterable[StatTest] | None = None) -> StatTestRegistry:
    """A registry holding ``tests``, by default every test driftwarden ships."""
    registry = StatTestRegistry()
    for test in tests if tests is not None else ALL_TESTS:
        registry.register(test)
    return registry


ALL_TESTS: tuple[StatTest, ...] = (
    KS,
    CHISQUARE,
    Z,
    WASSERSTEIN,
    JENSENSHANNON,
    PSI,
    KL_DIV,
    HELLINGER,
    ENERGY,
    ANDERSON,
    CRAMER_VON_MISES,
    FISHER_EXACT,
    G_TEST,
    MANNW,
    T_TEST,
    EPPS_SINGLETON,
    TVD,
    EMPIRICAL_MMD,
    L_INFINITY,
)
"""Every tabular test of Evidently 0.7, plus NannyML's L-infinity distance."""
