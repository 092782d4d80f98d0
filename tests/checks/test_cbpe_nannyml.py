"""CBPE against NannyML on its synthetic binary-classification dataset.

``nannyml`` does not install cleanly next to driftwarden (its import also needs
``statsmodels``, which it does not declare), so the dataset and NannyML 0.13.1's
CBPE figures per chunk of 5,000 rows were exported once by
``tests/data/export_nannyml_cbpe.py`` and are read from ``tests/data/``.

Tolerances:

- accuracy, precision, recall, F1: 1e-12. The expected confusion matrix is a sum
  of the same calibrated probabilities (same isotonic fit, same calibration
  check); only the order of floating-point additions may differ.
- ROC AUC: 1e-6. NannyML rounds the cumulative expected true and false positives
  to 5 decimals before taking the area; driftwarden does not. Over 5,000 rows the
  rounding moves the area by about 1e-9.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from monitor.checks import metrics as realized
from monitor.checks.calibration import fit_calibration
from monitor.checks.cbpe import ESTIMATED_METRICS, estimate

DATA = Path(__file__).parents[1] / "data"
TOLERANCE = {"accuracy": 1e-12, "precision": 1e-12, "recall": 1e-12, "f1": 1e-12, "roc_auc": 1e-6}


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DATA / "nannyml_cbpe_estimates.json").read_text())
    return loaded


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return pd.read_csv(DATA / "nannyml_cbpe_data.csv.gz")


def chunks(
    rows: pd.DataFrame, figures: dict[str, Any]
) -> list[tuple[dict[str, Any], pd.DataFrame]]:
    by_period = {
        "reference": rows[rows["period"] == "r"].reset_index(drop=True),
        "analysis": rows[rows["period"] == "a"].reset_index(drop=True),
    }
    return [
        (c, by_period[c["period"]].iloc[c["start_index"] : c["end_index"] + 1])
        for c in figures["chunks"]
    ]


def our_estimates(rows: pd.DataFrame, figures: dict[str, Any]) -> list[dict[str, float]]:
    reference = rows[rows["period"] == "r"]
    calibration = fit_calibration(
        reference["y_pred_proba"].to_numpy(), reference["y_true"].to_numpy() == 1
    )
    out = []
    for _, chunk in chunks(rows, figures):
        scores = chunk["y_pred_proba"].to_numpy(dtype=np.float64)
        found = estimate(
            ESTIMATED_METRICS, calibration(scores), scores, chunk["y_pred"].to_numpy() == 1
        )
        out.append(found.values)
    return out


def test_the_exported_data_is_nannymls_dataset(rows: pd.DataFrame, figures: dict[str, Any]) -> None:
    assert figures["rows"] == {"reference": 50_000, "analysis": 50_000}
    assert len(rows) == 100_000
    assert len(figures["chunks"]) == 20
    for chunk, data in chunks(rows, figures):
        target = data["y_true"].astype(str).to_numpy(dtype=object)
        prediction = data["y_pred"].astype(str).to_numpy(dtype=object)
        scores = realized.binary_scores(target, prediction, "1")
        ours = {
            "accuracy": realized.accuracy(target, prediction),
            **scores,
            "roc_auc": realized.roc_auc(target, data["y_pred_proba"].to_numpy(), "1"),
        }
        for metric, value in chunk["realized"].items():
            assert ours[metric] == pytest.approx(value, abs=1e-12), (chunk["start_index"], metric)


def test_calibration_decision_matches_nannyml(rows: pd.DataFrame, figures: dict[str, Any]) -> None:
    reference = rows[rows["period"] == "r"]
    found = fit_calibration(
        reference["y_pred_proba"].to_numpy(), reference["y_true"].to_numpy() == 1
    )
    assert found.applied is figures["needs_calibration"] is True


def test_estimates_per_chunk_match_nannyml(rows: pd.DataFrame, figures: dict[str, Any]) -> None:
    ours = our_estimates(rows, figures)
    for (chunk, _), values in zip(chunks(rows, figures), ours, strict=True):
        for metric in ESTIMATED_METRICS:
            expected = chunk["estimated"][metric]
            assert values[metric] == pytest.approx(expected, abs=TOLERANCE[metric]), (
                chunk["period"],
                chunk["start_index"],
                metric,
            )


def test_estimates_follow_realized_performance(rows: pd.DataFrame, figures: dict[str, Any]) -> None:
    """The dataset's concept does not change, so calibrated estimates stay close to
    the realized metrics, including through the drop in the second half of the
    analysis period (a covariate shift towards harder rows)."""
    ours = our_estimates(rows, figures)
    realized_by_chunk = [c["realized"] for c, _ in chunks(rows, figures)]
    for metric in ESTIMATED_METRICS:
        est = np.array([v[metric] for v in ours])
        real = np.array([r[metric] for r in realized_by_chunk])
        # sampling noise of a 5,000-row chunk's realized precision is about 0.005
        assert np.max(np.abs(est - real)) < 0.03, metric
        assert np.mean(np.abs(est - real)) < 0.01, metric
        # the drop between the first and last five analysis chunks is seen, in the right
        # direction and size (precision's is underestimated most: 0.029 for 0.049)
        est_drop = est[10:15].mean() - est[15:].mean()
        real_drop = real[10:15].mean() - real[15:].mean()
        assert est_drop > 0.5 * real_drop > 0, metric
        assert est_drop == pytest.approx(real_drop, abs=0.025), metric
    accuracy = np.array([v["accuracy"] for v in ours])
    assert accuracy[10:15].mean() - accuracy[15:].mean() > 0.02
