"""Synthetic prediction logs and configs for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

REFERENCE_START = datetime(2026, 1, 1, tzinfo=UTC)
REFERENCE_END = datetime(2026, 1, 8, tzinfo=UTC)
CURRENT_END = datetime(2026, 2, 1, 12, tzinfo=UTC)


def logs(
    start: datetime,
    hours: int,
    *,
    per_hour: int = 50,
    shift: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Binary-classifier logs; ``shift`` moves age, plan mix and the model's accuracy."""
    rng = np.random.default_rng(seed)
    n = hours * per_hour
    offsets = np.sort(rng.uniform(0, hours * 3600, n))
    age = rng.normal(40 + 15 * shift, 10, n).round()
    plan = rng.choice(["basic", "pro", "team"], n, p=[0.5 - 0.3 * shift, 0.3, 0.2 + 0.3 * shift])
    proba = 1 / (1 + np.exp(-(age - 40) / 8))
    churned = (rng.random(n) < (proba if shift == 0 else 0.5)).astype(int)
    return pd.DataFrame(
        {
            "ts": [(start + timedelta(seconds=float(s))).replace(tzinfo=None) for s in offsets],
            "age": age,
            "balance": rng.lognormal(7, 1, n).round(2),
            "plan": plan,
            "region": rng.choice(["eu", "us"], n),
            "churn_proba": proba.round(4),
            "churn_pred": (proba >= 0.5).astype(int),
            "churned": churned,
        }
    )


def prediction_logs(*, drift: bool, seed: int = 0) -> pd.DataFrame:
    """A week of reference logs, then a day of current logs ending at CURRENT_END."""
    reference = logs(REFERENCE_START, 7 * 24, per_hour=10, seed=seed)
    current = logs(
        CURRENT_END - timedelta(hours=24),
        24,
        per_hour=20,
        shift=1.0 if drift else 0.0,
        seed=seed + 1,
    )
    return pd.concat([reference, current], ignore_index=True)


def config_text(
    source_url: str,
    store_url: str,
    *,
    extra: str = "",
    table: str = "predictions",
    reports_dir: str = "reports",
    service: str = "",
) -> str:
    return f'''
[service]
store_url = "{store_url}"
reports_dir = "{reports_dir}"
{service}

[[monitors]]
name = "churn"
source_url = "{source_url}"
table = "{table}"
timestamp_column = "ts"
numerical = ["age", "balance"]
categorical = ["plan", "region"]
prediction = "churn_pred"
prediction_score = "churn_proba"
target = "churned"
task = "binary_classification"
schedule = "every 1h"
current = {{ last = "1d" }}
reference = {{ start = "{REFERENCE_START.isoformat()}", end = "{REFERENCE_END.isoformat()}" }}
{extra}

[[monitors.performance]]
metric = "accuracy"
min = 0.6

[[monitors.performance]]
metric = "roc_auc"
max_drop = 0.1
'''


def write_config(path: Path, source_url: str, store_url: str, **kwargs: str) -> Path:
    """The config at ``path``; its reports go to a ``reports`` folder beside it."""
    kwargs.setdefault("reports_dir", str(path.parent / "reports"))
    path.write_text(config_text(source_url, store_url, **kwargs))
    return path
