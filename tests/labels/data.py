"""Predictions with ids and a separate labels table, for the late-label tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from monitor.config import load_config
from monitor.config.models import Config

START = datetime(2026, 3, 1, tzinfo=UTC)
"""The reference day starts here; hourly current windows follow it."""
REFERENCE_END = START + timedelta(days=1)


def predictions(hours: int = 30, per_hour: int = 40, seed: int = 0) -> pd.DataFrame:
    """Hourly prediction logs from START with unique integer ids and no label column."""
    rng = np.random.default_rng(seed)
    n = hours * per_hour
    offsets = np.sort(rng.uniform(0, hours * 3600, n))
    age = rng.normal(40, 10, n).round()
    proba = 1 / (1 + np.exp(-(age - 40) / 8 + rng.normal(0, 0.5, n)))
    return pd.DataFrame(
        {
            "pid": np.arange(1, n + 1),
            "ts": [(START + timedelta(seconds=float(s))).replace(tzinfo=None) for s in offsets],
            "age": age,
            "plan": rng.choice(["basic", "pro"], n),
            "proba": proba.round(4),
            "pred": (proba >= 0.5).astype(int),
        }
    )


def labels_for(
    frame: pd.DataFrame, known_at: datetime, *, seed: int = 1, share: float = 1.0
) -> pd.DataFrame:
    """Labels for a random ``share`` of ``frame``'s rows, all known at ``known_at``."""
    rng = np.random.default_rng(seed)
    chosen = frame[rng.random(len(frame)) < share]
    truth = (rng.random(len(chosen)) < chosen["proba"].to_numpy()).astype(int)
    return pd.DataFrame(
        {
            "prediction_id": chosen["pid"].to_numpy(),
            "label": truth,
            "known_at": [known_at.replace(tzinfo=None)] * len(chosen),
        }
    )


def in_window(frame: pd.DataFrame, end: datetime, hours: int = 1) -> pd.DataFrame:
    start = (end - timedelta(hours=hours)).replace(tzinfo=None)
    stop = end.replace(tzinfo=None)
    return frame[(frame["ts"] >= start) & (frame["ts"] < stop)]


def config(
    path: Path,
    source_url: str,
    store_url: str,
    *,
    lag: str = "6h",
    labels: str = 'table = "labels"',
    reports_dir: str = "reports",
    extra: str = "",
    accuracy: str = "",
    report: bool = False,
) -> Config:
    path.write_text(
        f'''
[service]
store_url = "{store_url}"
reports_dir = "{reports_dir}"

[[monitors]]
name = "churn"
source_url = "{source_url}"
table = "predictions"
timestamp_column = "ts"
numerical = ["age"]
categorical = ["plan"]
prediction = "pred"
prediction_score = "proba"
task = "binary_classification"
schedule = "every 1h"
current = {{ last = "1h" }}
reference = {{ start = "{START.isoformat()}", end = "{REFERENCE_END.isoformat()}" }}
{extra}

[monitors.labels]
{labels}
id_column = "prediction_id"
prediction_id_column = "pid"
label_column = "label"
timestamp_column = "known_at"
label_lag = "{lag}"

[monitors.report]
enabled = {"true" if report else "false"}
keep_days = 100000

[[monitors.performance]]
metric = "accuracy"
{accuracy}

[[monitors.performance]]
metric = "f1"

[[monitors.performance]]
metric = "roc_auc"
''',
        encoding="utf-8",
    )
    return load_config(path, environ={})
