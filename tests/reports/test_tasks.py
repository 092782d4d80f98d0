"""Performance panels for each task, on labelled rows only; drift still agrees."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitor.result import ColumnStatus
from tests.reports.data import logs
from tests.reports.pages import read_page
from tests.reports.test_page import build


def regression_logs() -> pd.DataFrame:
    frame = logs(reference_rows=800, current_rows=400, drift=True)
    rng = np.random.default_rng(5)
    frame["price"] = (frame["amount"].fillna(100) * 3 + rng.normal(0, 5, len(frame))).round(2)
    frame["price_pred"] = (frame["price"] + rng.normal(0, 8, len(frame))).round(2)
    frame.loc[frame["label"].isna(), "price"] = np.nan  # late labels
    return frame


def multiclass_logs() -> pd.DataFrame:
    frame = logs(reference_rows=800, current_rows=400, drift=True)
    rng = np.random.default_rng(6)
    classes = np.array(["low", "mid", "high"])
    truth = rng.choice(classes, len(frame))
    guess = np.where(rng.random(len(frame)) < 0.7, truth, rng.choice(classes, len(frame)))
    frame["tier"] = pd.Series(truth, dtype=object).where(frame["label"].notna(), None)
    frame["tier_pred"] = guess
    return frame


@pytest.mark.slow
@pytest.mark.parametrize(
    ("frame", "task", "target", "prediction", "metric", "panel"),
    [
        (regression_logs, "regression", "price", "price_pred", "mae", "R2 Score (current)"),
        (multiclass_logs, "multiclass_classification", "tier", "tier_pred", "accuracy", "Current: Model Quality Metrics"),
    ],
    ids=["regression", "multiclass"],
)
def test_performance_panels_for_the_task(
    tmp_path: Path,
    frame: object,
    task: str,
    target: str,
    prediction: str,
    metric: str,
    panel: str,
) -> None:
    data = frame()  # type: ignore[operator]
    result, built = build(
        tmp_path,
        data,
        task=task,
        target=target,
        prediction=prediction,
        prediction_score=None,
        performance=[{"metric": metric, "min": 0.0} if metric != "mae" else {"metric": "mae", "max": 100.0}],
    )
    labelled = data.iloc[800:][target].notna().sum()
    assert built.performance_rows == (800, labelled)  # type: ignore[attr-defined]
    page = read_page(built.html.decode())  # type: ignore[attr-defined]
    assert f"800 reference and {labelled:,} current rows" in " ".join(page.header_text.split())
    assert panel in built.html.decode()  # type: ignore[attr-defined]
    # Drift of the prediction and target agrees as for features.
    rows = {r["column"]: r for r in page.rows("dw-columns")}
    for c in result.columns:  # type: ignore[attr-defined]
        if c.status is ColumnStatus.OK:
            assert rows[c.column]["same"] == "yes", c.column
    assert {prediction, target} <= set(rows)
