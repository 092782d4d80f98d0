"""Large windows: the report's Evidently panels use a reproducible sample and say so;
driftwarden's verdicts (gauges, alerts, the header table) still use every row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from monitor.reports.sampling import SAMPLE_SEED, sample_rows
from monitor.result import ColumnStatus
from tests.reports.data import logs
from tests.reports.pages import read_page
from tests.reports.test_page import build


@given(st.integers(min_value=0, max_value=3000), st.none() | st.integers(min_value=1, max_value=3000))
def test_sample_is_a_reproducible_ordered_subset(rows: int, cap: int | None) -> None:
    frame = pd.DataFrame({"i": np.arange(rows)})
    first = sample_rows(frame, cap)
    again = sample_rows(frame, cap)
    kept = first.frame["i"].to_numpy()
    assert first.rows_total == rows
    assert first.rows_kept == (rows if cap is None else min(rows, cap))
    assert first.sampled == (cap is not None and rows > cap)
    assert np.array_equal(kept, again.frame["i"].to_numpy())
    assert np.all(np.diff(kept) > 0)  # a subset, in the original order
    assert set(kept) <= set(range(rows))


def test_another_seed_draws_another_sample() -> None:
    frame = pd.DataFrame({"i": np.arange(1000)})
    a = sample_rows(frame, 100)
    b = sample_rows(frame, 100, seed=SAMPLE_SEED + 1)
    assert not np.array_equal(a.frame["i"].to_numpy(), b.frame["i"].to_numpy())


@pytest.mark.slow
def test_sampled_report_says_so_and_keeps_full_data_verdicts(tmp_path: Path) -> None:
    frame = logs(reference_rows=800, current_rows=400, drift=True)
    result, built = build(tmp_path, frame, report={"sample_rows": 150})
    assert built.sampled  # type: ignore[attr-defined]
    page = read_page(built.html.decode())  # type: ignore[attr-defined]
    header = " ".join(page.header_text.split())
    assert "Evidently's panels below are computed on a sample: 150 of 800 reference rows and 150 of 400 current rows" in header
    assert f"seed {SAMPLE_SEED}" in header

    # The header's own numbers are driftwarden's, on every row.
    rows = {r["column"]: r for r in page.rows("dw-columns")}
    assert "Evidently (sample) score" in next(iter(rows.values()))
    for c in result.columns:  # type: ignore[attr-defined]
        if c.status is ColumnStatus.OK:
            assert float(rows[c.column]["score"]) == pytest.approx(c.score, rel=1e-5)
    assert result.rows_current == 400  # type: ignore[attr-defined]

    # Evidently's panels are on the sample: its score for `amount` is the KS p-value of
    # the sampled rows (scipy, independently), not of all rows.
    reference = sample_rows(frame.iloc[:800].reset_index(drop=True), 150).frame
    current = sample_rows(frame.iloc[800:].reset_index(drop=True), 150).frame
    on_sample = stats.ks_2samp(reference["amount"].dropna(), current["amount"].dropna()).pvalue
    theirs = {a.column: a for a in built.agreement}  # type: ignore[attr-defined]
    assert theirs["amount"].evidently_score == pytest.approx(on_sample, rel=1e-9)
    full = next(c for c in result.columns if c.column == "amount")  # type: ignore[attr-defined]
    assert theirs["amount"].evidently_score != pytest.approx(full.score, rel=1e-3)
