"""Data-quality checks against pandas computations of the same shares."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.checks.drift import ColumnPair
from monitor.checks.quality import (
    column_quality,
    missing_share,
    out_of_range_share,
    row_count,
    row_rate,
    unseen_share,
    window_quality,
)
from monitor.columns import type_columns
from monitor.config import ConfigError, parse_config
from monitor.config.checks import QualityConfig
from monitor.result import CheckStatus, QualityCheck
from monitor.stats import FeatureType


def pairs(reference: pd.DataFrame, current: pd.DataFrame) -> dict[str, ColumnPair]:
    kinds = [
        (c, FeatureType.NUMERICAL if reference[c].dtype.kind == "f" else FeatureType.CATEGORICAL)
        for c in reference.columns
    ]
    ref = type_columns(reference, kinds, monitor="m", window="reference")
    cur = type_columns(current, kinds, monitor="m", window="current")
    return {c: ColumnPair(ref[c], cur[c]) for c, _ in kinds}


def frames(seed: int, n_ref: int = 2000, n_cur: int = 800) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame(
        {
            "x": rng.normal(size=n_ref),
            "plan": rng.choice(["a", "b", "c"], size=n_ref).astype(object),
        }
    )
    cur = pd.DataFrame(
        {
            "x": rng.normal(0.5, 1.3, size=n_cur),
            "plan": rng.choice(["a", "b", "c", "d", "e"], size=n_cur).astype(object),
        }
    )
    ref.loc[rng.random(n_ref) < 0.02, "x"] = np.nan
    cur.loc[rng.random(n_cur) < 0.2, "x"] = np.nan
    cur.loc[rng.random(n_cur) < 0.1, "plan"] = None
    return ref, cur


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shares_equal_pandas(seed: int) -> None:
    ref, cur = frames(seed)
    by_column = pairs(ref, cur)
    config = QualityConfig()

    missing = missing_share(by_column["x"], config.max_missing_increase)
    assert missing.value == pytest.approx(cur["x"].isna().mean(), rel=1e-12)
    assert missing.reference_value == pytest.approx(ref["x"].isna().mean(), rel=1e-12)
    assert missing.upper_bound == pytest.approx(ref["x"].isna().mean() + 0.1, rel=1e-12)
    # about 2% missing before, 20% now: more than the allowed 10 points
    assert missing.status is CheckStatus.BREACHED

    present = cur["plan"].dropna()
    expected_unseen = (~present.isin(ref["plan"].dropna().unique())).mean()
    unseen = unseen_share(by_column["plan"], config.max_unseen_share)
    assert unseen.value == pytest.approx(expected_unseen, rel=1e-12)
    assert unseen.status is CheckStatus.BREACHED  # 'd' and 'e' are about 40% of the rows

    values, reference = cur["x"].dropna(), ref["x"].dropna()
    expected_outside = ((values < reference.min()) | (values > reference.max())).mean()
    outside = out_of_range_share(by_column["x"], config.max_out_of_range_share)
    assert outside.value == pytest.approx(expected_outside, rel=1e-12)
    assert outside.value > 0


def test_column_quality_picks_the_checks_by_type() -> None:
    ref, cur = frames(3)
    by_column = pairs(ref, cur)
    checks = {
        c: [r.check for r in column_quality(p, QualityConfig())] for c, p in by_column.items()
    }
    assert checks == {
        "x": [QualityCheck.MISSING_SHARE, QualityCheck.OUT_OF_RANGE_SHARE],
        "plan": [QualityCheck.MISSING_SHARE, QualityCheck.UNSEEN_SHARE],
    }
    assert all(
        r.column == c for c, p in by_column.items() for r in column_quality(p, QualityConfig())
    )


def test_unchanged_data_passes_every_default_bound() -> None:
    rng = np.random.default_rng(4)
    ref = pd.DataFrame({"x": rng.uniform(size=5000), "plan": rng.choice(list("abc"), 5000)})
    cur = pd.DataFrame({"x": rng.uniform(size=1000), "plan": rng.choice(list("abc"), 1000)})
    results = [r for p in pairs(ref, cur).values() for r in column_quality(p, QualityConfig())]
    assert [r.status for r in results] == [CheckStatus.OK] * 4
    assert {r.check: r.value for r in results if r.column == "plan"}[QualityCheck.UNSEEN_SHARE] == 0


def test_no_bound_measures_without_judging() -> None:
    ref, cur = frames(5)
    config = QualityConfig(
        max_missing_increase=None, max_unseen_share=None, max_out_of_range_share=None
    )
    results = [r for p in pairs(ref, cur).values() for r in column_quality(p, config)]
    assert all(r.status is CheckStatus.OK and r.upper_bound is None for r in results)
    assert all(r.value is not None and r.value > 0 for r in results)


def test_a_value_on_its_bound_is_not_a_breach() -> None:
    ref = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
    cur = pd.DataFrame({"x": [0.0, 1.0, 5.0, 1.0]})  # one of four outside [0, 3]
    result = out_of_range_share(pairs(ref, cur)["x"], 0.25)
    assert (result.value, result.status) == (0.25, CheckStatus.OK)
    assert out_of_range_share(pairs(ref, cur)["x"], 0.24).status is CheckStatus.BREACHED


def test_empty_windows_give_insufficient_data_not_errors() -> None:
    ref = pd.DataFrame({"x": [1.0, 2.0], "plan": ["a", "b"]})
    cur = pd.DataFrame({"x": [np.nan, np.nan], "plan": [None, None]}).astype({"plan": object})
    by_column = pairs(ref, cur)
    missing = missing_share(by_column["x"], 0.1)
    assert (missing.value, missing.status) == (1.0, CheckStatus.BREACHED)
    unseen = unseen_share(by_column["plan"], 0.05)
    assert (unseen.value, unseen.status) == (None, CheckStatus.INSUFFICIENT_DATA)
    outside = out_of_range_share(by_column["x"], 0.05)
    assert (outside.value, outside.status) == (None, CheckStatus.INSUFFICIENT_DATA)
    # a reference with no values at all has no range either
    flipped = pairs(cur, ref)
    assert out_of_range_share(flipped["x"], 0.05).status is CheckStatus.INSUFFICIENT_DATA
    assert missing_share(flipped["x"], 0.1).reference_value == 1.0


def test_missing_bound_is_capped_at_one() -> None:
    ref = pd.DataFrame({"x": [np.nan] * 19 + [1.0]})
    cur = pd.DataFrame({"x": [np.nan] * 20})
    result = missing_share(pairs(ref, cur)["x"], 0.1)
    assert result.upper_bound == 1.0 and result.status is CheckStatus.OK


@given(
    st.lists(st.sampled_from("abcdefg"), min_size=1, max_size=50),
    st.lists(st.sampled_from("abcdefg"), min_size=1, max_size=50),
)
def test_unseen_share_is_zero_exactly_when_every_value_is_known(
    ref: list[str], cur: list[str]
) -> None:
    by_column = pairs(pd.DataFrame({"c": ref}), pd.DataFrame({"c": cur}))
    share = unseen_share(by_column["c"], None).value
    assert share is not None and 0 <= share <= 1
    assert (share == 0) == set(cur).issubset(ref)


# -- window checks -----------------------------------------------------------------------


def test_row_count_bounds() -> None:
    config = QualityConfig(min_rows=100, max_rows=1000)
    assert row_count(99, config).status is CheckStatus.BREACHED
    assert row_count(100, config).status is CheckStatus.OK
    assert row_count(1000, config).status is CheckStatus.OK
    assert row_count(1001, config).status is CheckStatus.BREACHED
    result = row_count(0, config)
    assert (result.value, result.lower_bound, result.upper_bound) == (0.0, 100.0, 1000.0)


def test_row_rate_against_the_reference_rate() -> None:
    # reference: 7 days with 16,800 rows = 100 rows/hour; current: 1 hour
    week, hour = timedelta(days=7), timedelta(hours=1)
    normal = row_rate(150, hour, 16_800, week, 2.0)
    assert normal.value == 150.0 and normal.reference_value == pytest.approx(100.0)
    assert (normal.lower_bound, normal.upper_bound) == pytest.approx((50.0, 200.0))
    assert normal.status is CheckStatus.OK
    assert row_rate(49, hour, 16_800, week, 2.0).status is CheckStatus.BREACHED
    assert row_rate(201, hour, 16_800, week, 2.0).status is CheckStatus.BREACHED
    # a 6-hour window is compared per hour too
    assert row_rate(600, hour * 6, 16_800, week, 2.0).value == pytest.approx(100.0)


def test_row_rate_without_a_reference_span_is_insufficient_data() -> None:
    result = row_rate(150, timedelta(hours=1), 5000, None, 2.0)
    assert result.status is CheckStatus.INSUFFICIENT_DATA
    assert result.value == 150.0 and result.reference_value is None
    empty_reference = row_rate(150, timedelta(hours=1), 0, timedelta(days=1), 2.0)
    assert empty_reference.status is CheckStatus.INSUFFICIENT_DATA


def test_window_checks_only_when_configured() -> None:
    span = timedelta(hours=1)
    assert window_quality(10, span, 100, span, QualityConfig()) == ()
    both = window_quality(10, span, 100, span, QualityConfig(min_rows=50, max_rate_ratio=3.0))
    assert [(r.check, r.status) for r in both] == [
        (QualityCheck.ROW_COUNT, CheckStatus.BREACHED),
        (QualityCheck.ROW_RATE, CheckStatus.BREACHED),
    ]


CONFIG = """
[[monitors]]
name = "m"
source_url = "sqlite://"
table = "t"
timestamp_column = "ts"
current = { last = "1h" }
reference = { last = "1d" }
[monitors.quality]
"""


def test_quality_config_errors_name_the_field() -> None:
    with pytest.raises(ConfigError, match=r"monitor 'm'.*'min_rows' \(10\) is above 'max_rows'"):
        parse_config(CONFIG + "min_rows = 10\nmax_rows = 5\n")
    with pytest.raises(ConfigError, match=r"field 'quality.max_rate_ratio'"):
        parse_config(CONFIG + "max_rate_ratio = 0.5\n")
    with pytest.raises(ConfigError, match=r"field 'quality.max_unseen_share'"):
        parse_config(CONFIG + "max_unseen_share = 1.5\n")
