"""Synthetic prediction logs of a churn classifier, with drift in the last third.

Ten features of mixed types, hourly traffic with a daily rhythm, a model score
and its 0/1 prediction, and labels (the last two hours still unlabelled, as in
production). From two thirds of the way through, customers get older, more of
them take the basic plan and call support more often, and the model's score
loses touch with who actually churns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

FEATURES_NUMERICAL = [
    "age",
    "balance",
    "tenure_months",
    "monthly_charges",
    "support_calls",
    "num_products",
]
FEATURES_CATEGORICAL = ["plan", "region", "channel", "is_active"]
PLANS = np.array(["basic", "standard", "premium"])
REGIONS = np.array(["north", "south", "east", "west", "central"])
CHANNELS = np.array(["web", "app", "store"])
DECISION_THRESHOLD = 0.35
"""The score above which the model predicts churn."""


@dataclass(frozen=True)
class DemoData:
    predictions: pd.DataFrame
    reference: pd.DataFrame
    drift_starts: datetime


def customers(rng: np.random.Generator, n: int, drift: float) -> pd.DataFrame:
    """``n`` customers; ``drift`` in [0, 1] moves the population towards its drifted state."""
    age = rng.normal(41 + 9 * drift, 11, n).clip(18, 95).round()
    tenure = rng.gamma(2.0, 14.0 * (1 - 0.4 * drift), n).clip(0, 240).round()
    plan_p = np.array([0.35, 0.45, 0.20]) * (1 - drift) + np.array([0.65, 0.25, 0.10]) * drift
    plan = rng.choice(PLANS, n, p=plan_p)
    base = {"basic": 29.0, "standard": 59.0, "premium": 99.0}
    charges = np.array([base[p] for p in plan]) + rng.normal(0, 6, n)
    return pd.DataFrame(
        {
            "age": age,
            "balance": rng.lognormal(8.0, 1.0, n).round(2),
            "tenure_months": tenure,
            "monthly_charges": charges.round(2),
            "support_calls": rng.poisson(1.2 + 1.8 * drift, n),
            "num_products": rng.choice([1, 2, 3, 4], n, p=[0.45, 0.35, 0.15, 0.05]),
            "plan": plan,
            "region": rng.choice(REGIONS, n, p=[0.22, 0.22, 0.2, 0.2, 0.16]),
            "channel": rng.choice(CHANNELS, n, p=[0.5, 0.35, 0.15]),
            "is_active": rng.random(n) < 0.7,
        }
    )


def score_and_label(rng: np.random.Generator, frame: pd.DataFrame, drift: float) -> pd.DataFrame:
    """The model's churn probability, its prediction, and the true outcome.

    The model learnt the pre-drift relation; after drift, churn depends on
    other things (age and calls), so its score says less.
    """
    z = (
        -0.9
        - 0.06 * (frame["tenure_months"] - 28)
        + 0.9 * (frame["support_calls"] - 1.2)
        + 0.9 * (frame["plan"] == "basic")
        - 1.2 * frame["is_active"]
    )
    proba = 1 / (1 + np.exp(-z))
    truth_z = (1 - drift) * z + drift * (
        -1.0 + 0.08 * (frame["age"] - 50) - 0.5 * (frame["support_calls"] - 2.5)
    )
    churned = rng.random(len(frame)) < 1 / (1 + np.exp(-truth_z))
    out = frame.copy()
    out["churn_proba"] = proba.round(4)
    out["churn_pred"] = (proba >= DECISION_THRESHOLD).astype(int)
    out["churned"] = churned.astype(int)
    return out


def generate(end: datetime, days: int = 30, *, seed: int = 7, per_hour: int = 150) -> DemoData:
    """Logs for ``days`` days ending at ``end`` (UTC), and a validation-set reference."""
    rng = np.random.default_rng(seed)
    start = end - timedelta(days=days)
    drift_starts = start + timedelta(days=days * 2 / 3)
    hours = pd.date_range(start, end, freq="1h", inclusive="left")
    frames = []
    for hour in hours:
        daily = 0.6 + 0.4 * np.sin((hour.hour - 6) / 24 * 2 * np.pi)
        n = int(rng.poisson(per_hour * (0.6 + daily * 0.6)))
        progress = (hour.to_pydatetime() - drift_starts) / (end - drift_starts)
        drift = min(max(progress * 1.5, 0.0), 1.0)
        batch = score_and_label(rng, customers(rng, n, drift), drift)
        offsets = np.sort(rng.uniform(0, 3600, n))
        batch.insert(0, "ts", [hour + pd.Timedelta(seconds=float(s)) for s in offsets])
        frames.append(batch)
    predictions = pd.concat(frames, ignore_index=True)
    predictions.insert(0, "id", np.arange(1, len(predictions) + 1))
    unlabelled = predictions["ts"] >= end - timedelta(hours=2)
    predictions["churned"] = predictions["churned"].astype(object).where(~unlabelled, None)
    predictions["ts"] = predictions["ts"].dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    reference = score_and_label(rng, customers(rng, 5000, 0.0), 0.0)
    return DemoData(predictions=predictions, reference=reference, drift_starts=drift_starts)
