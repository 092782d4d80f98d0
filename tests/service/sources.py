"""Prediction logs and configs for service tests: a stable reference and a drifted
current window, around a chosen instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from monitor.config import Config, parse_config
from tests.conftest import write_table

NO_REPORT = "[monitors.report]\nenabled = false\n"
"""``extra`` for :func:`monitor_toml`: no HTML report (Evidently is slow to import)."""

NOW = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)
"""The fake clock's instant in most tests (the hourly tick before it is 12:00)."""


def frame(start: datetime, end: datetime, rows: int, *, drifted: bool, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    span = (end - start).total_seconds()
    stamps = [start + timedelta(seconds=float(s)) for s in np.sort(rng.uniform(0, span, rows))]
    shift = 1.5 if drifted else 0.0
    score = np.clip(rng.beta(2 + 3 * drifted, 5, rows), 0, 1)
    return pd.DataFrame(
        {
            "ts": [s.strftime("%Y-%m-%d %H:%M:%S.%f") for s in stamps],
            "x1": rng.normal(shift, 1, rows),
            "x2": rng.normal(0, 1 + drifted, rows),
            "x3": rng.normal(0, 1, rows),
            "plan": rng.choice(
                ["a", "b", "c"], rows, p=[0.2, 0.3, 0.5] if drifted else [0.5, 0.3, 0.2]
            ),
            "score": score,
            "pred": (score >= 0.5).astype(int),
            "label": (rng.random(rows) < score).astype(int),
            "latency_ms": rng.gamma(2.0, 20.0, rows),
        }
    )


def write_source(
    url: str,
    now: datetime,
    *,
    rows: int = 400,
    drifted: bool = True,
    current_end: datetime | None = None,
) -> None:
    """Reference rows two to three days before ``now`` (rounded down to the hour); current
    rows from 50 to 10 minutes before ``current_end`` (default: ``now`` rounded down)."""
    tick = now.replace(minute=0, second=0, microsecond=0)
    end = current_end or tick
    reference = frame(
        tick - timedelta(days=3), tick - timedelta(days=2), rows, drifted=False, seed=1
    )
    current = frame(
        end - timedelta(minutes=50), end - timedelta(minutes=10), rows, drifted=drifted, seed=2
    )
    write_table(url, "predictions", pd.concat([reference, current], ignore_index=True))


def monitor_toml(
    name: str,
    source_url: str,
    now: datetime = NOW,
    *,
    schedule: str = "every 1h",
    extra: str = "",
) -> str:
    tick = now.replace(minute=0, second=0, microsecond=0)
    ref_start = (tick - timedelta(days=3)).isoformat()
    ref_end = (tick - timedelta(days=2)).isoformat()
    return f"""
[[monitors]]
name = "{name}"
source_url = "{source_url}"
table = "predictions"
timestamp_column = "ts"
numerical = ["x1", "x2", "x3"]
categorical = ["plan"]
prediction = "pred"
prediction_score = "score"
target = "label"
task = "binary_classification"
latency_column = "latency_ms"
latency_unit = "ms"
schedule = "{schedule}"
current = {{ last = "1h" }}
reference = {{ start = "{ref_start}", end = "{ref_end}" }}
{extra}
[[monitors.performance]]
metric = "roc_auc"
min = 0.6
"""


def service_toml(store_url: str, *, extra: str = "") -> str:
    return f"""
[service]
store_url = "{store_url}"
{extra}
"""


def config(text: str) -> Config:
    return parse_config(text, environ={})
