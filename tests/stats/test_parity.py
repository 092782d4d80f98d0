"""Every drift test against Evidently 0.7's own implementation, on seeded data.

Scores must agree to 1e-9 relative and verdicts at the default threshold must
be equal. Cases where Evidently raises (Fisher's test on unequal windows, the
G-test on unequal windows) are left out here and covered in test_edge_cases.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from monitor.stats import FeatureType, Sample, build_registry
from tests.stats import cases
from tests.stats.evidently_oracle import evidently_test

NUM, CAT = FeatureType.NUMERICAL, FeatureType.CATEGORICAL
ALL_NUM = list(cases.NUMERICAL)
ALL_CAT = list(cases.CATEGORICAL)
EQUAL_SIZE_CAT = [
    "equal_binary",
    "equal_binary_shift",
    "equal_small",
    "equal_appearing",
    "equal_vanishing",
]
SMALL_NUM = ["small_same", "small_shift", "ties_few", "one_current_row", "shifted_location"]
SMALL_CAT = ["small_same", "appearing", "vanishing", "binary", "numeric_labels"]

PARITY_CASES: dict[str, list[tuple[FeatureType, str]]] = {
    "ks": [(NUM, c) for c in ALL_NUM],
    "chisquare": [(CAT, c) for c in ALL_CAT],
    "z": [(CAT, c) for c in ALL_CAT],
    "wasserstein": [(NUM, c) for c in ALL_NUM],
    "jensenshannon": [(NUM, c) for c in ALL_NUM] + [(CAT, c) for c in ALL_CAT],
    "psi": [(NUM, c) for c in ALL_NUM] + [(CAT, c) for c in ALL_CAT],
    "kl_div": [(NUM, c) for c in ALL_NUM] + [(CAT, c) for c in ALL_CAT],
    "hellinger": [(NUM, c) for c in ALL_NUM] + [(CAT, c) for c in ALL_CAT],
    "ed": [(NUM, c) for c in ALL_NUM],
    "anderson": [(NUM, c) for c in ALL_NUM if c != "one_current_row"],
    "cramer_von_mises": [(NUM, c) for c in ALL_NUM if c != "one_current_row"],
    "fisher_exact": [(CAT, c) for c in ["equal_binary", "equal_binary_shift"]],
    "g_test": [(CAT, c) for c in EQUAL_SIZE_CAT],
    "mannw": [(NUM, c) for c in ALL_NUM],
    "t_test": [(NUM, c) for c in ALL_NUM if c != "one_current_row"],
    "es": [(NUM, c) for c in ALL_NUM if c != "one_current_row"],
    # Evidently runs 1000 pandas permutations per call: small windows only.
    "TVD": [(CAT, c) for c in SMALL_CAT],
    # Evidently builds the full kernel matrix 100 times: small windows only.
    "empirical_mmd": [
        (NUM, c) for c in [*SMALL_NUM, "medium", "heavy_tail"] if c != "one_current_row"
    ],
    # Evidently has no L-infinity test; compared with NannyML's definition below.
    "l_infinity": [(CAT, c) for c in ALL_CAT],
}

REGISTRY = build_registry()


def _case(feature_type: FeatureType, name: str) -> tuple[Sequence[Any], Sequence[Any]]:
    table = cases.NUMERICAL if feature_type is NUM else cases.CATEGORICAL
    return table[name]()


def _sample(values: Sequence[Any], feature_type: FeatureType) -> Sample:
    if feature_type is NUM:
        return Sample.numerical(values)
    return Sample.categorical(values)


def _ours(
    name: str, reference: Sequence[Any], current: Sequence[Any], kind: FeatureType
) -> tuple[float, bool]:
    test = REGISTRY.get(name)
    outcome = test.evaluate(
        _sample(reference, kind), _sample(current, kind), test.default_threshold
    )
    assert outcome.score is not None and outcome.drifted is not None, outcome
    return outcome.score, outcome.drifted


PARAMS = [
    pytest.param(name, kind, case, id=f"{name}-{kind.value[:3]}-{case}")
    for name, entries in PARITY_CASES.items()
    if name not in ("TVD", "l_infinity")
    for kind, case in entries
]


@pytest.mark.parametrize(("name", "kind", "case"), PARAMS)
def test_score_and_verdict_equal_evidentlys(name: str, kind: FeatureType, case: str) -> None:
    reference, current = _case(kind, case)
    # empirical_mmd permutes with numpy's global generator: same seed as ours.
    expected, expected_drift = evidently_test(name, reference, current, kind, seed=0)
    score, drifted = _ours(name, reference, current, kind)
    assert math.isclose(score, expected, rel_tol=1e-9, abs_tol=0.0), (score, expected)
    assert drifted == expected_drift


@pytest.mark.parametrize("case", [c for _, c in PARITY_CASES["TVD"]])
def test_tvd_equals_evidently_up_to_exact_ties(case: str) -> None:
    """Evidently's TVD compares floats summed in an order that depends on the
    process's string hash seed, so permutations whose TVD equals the observed
    one exactly are counted or not by rounding (its p-value changes with
    PYTHONHASHSEED). driftwarden counts them, exactly. The tolerance is the share
    of such exact ties among Evidently's own permutations, counted here."""
    reference, current = _case(CAT, case)
    expected, _ = evidently_test("TVD", reference, current, CAT)
    score, _ = _ours("TVD", reference, current, CAT)
    ties = _tvd_exact_ties(list(reference), list(current))
    assert expected <= score + 1e-12
    assert score - expected <= ties / 1000 + 1e-12
    if ties == 0:
        assert score == expected


def _tvd_exact_ties(reference: list[str], current: list[str]) -> int:
    """Of Evidently's 1000 seeded re-splits, how many have exactly the observed TVD."""
    keys = sorted(set(reference) | set(current))

    def scaled(ref: list[str], cur: list[str]) -> int:
        a, b = Counter(ref), Counter(cur)
        return sum(abs(a[k] * len(cur) - b[k] * len(ref)) for k in keys)

    observed = scaled(reference, current)
    combined = reference + current
    np.random.seed(0)
    ties = 0
    for _ in range(1000):
        chosen = np.random.choice(combined, len(reference), replace=False).tolist()
        rest = list((Counter(combined) - Counter(chosen)).elements())
        ties += scaled(chosen, rest) == observed
    return ties


@pytest.mark.parametrize("case", [c for _, c in PARITY_CASES["l_infinity"]])
def test_l_infinity_equals_nannymls_definition(case: str) -> None:
    """NannyML: max over the union of labels of |reference share - current share|."""
    reference, current = _case(CAT, case)
    ref_share = {k: v / len(reference) for k, v in Counter(reference).items()}
    cur_share = {k: v / len(current) for k, v in Counter(current).items()}
    labels = set(ref_share) | set(cur_share)
    expected = max(abs(ref_share.get(k, 0) - cur_share.get(k, 0)) for k in labels)
    score, drifted = _ours("l_infinity", reference, current, CAT)
    assert math.isclose(score, expected, rel_tol=1e-12, abs_tol=0.0)
    assert drifted == (expected > 0.1)


def test_empirical_mmd_differs_from_evidently_only_by_its_seed() -> None:
    """Evidently's permutations follow numpy's global generator; with another
    seed its p-value moves, and ours (seed 0) equals the seed-0 answer."""
    reference, current = _case(NUM, "small_same")
    at_zero, _ = evidently_test("empirical_mmd", reference, current, NUM, seed=0)
    at_seven, _ = evidently_test("empirical_mmd", reference, current, NUM, seed=7)
    ours, _ = _ours("empirical_mmd", reference, current, NUM)
    assert ours == at_zero
    assert at_seven != at_zero
