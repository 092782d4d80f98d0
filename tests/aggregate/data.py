"""Seeded prediction logs for comparing aggregate mode with row mode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from monitor.config.models import MonitorConfig

REFERENCE_START = datetime(2026, 3, 1, tzinfo=UTC)
REFERENCE_END = datetime(2026, 3, 8, tzinfo=UTC)
CURRENT_END = datetime(2026, 3, 20, tzinfo=UTC)
CURRENT_SPAN = timedelta(days=1)


def window(start: datetime, span: timedelta, n: int, *, shift: float, seed: int) -> pd.DataFrame:
    """``n`` rows spread over ``[start, start + span)``; ``shift`` moves every column."""
    rng = np.random.default_rng(seed)
    seconds = np.sort(rng.uniform(0, span.total_seconds(), n))
    income = rng.lognormal(10 + shift, 0.5, n)
    age = rng.normal(40 + 5 * shift, 10, n)
    age[rng.random(n) < 0.03] = np.nan  # missing values
    age[rng.random(n) < 0.005] = np.inf  # counted as missing, as in row mode
    score = 1 / (1 + np.exp(-(rng.normal(0, 1.5, n) + shift)))
    target = (rng.random(n) < score).astype(int)
    plan = rng.choice(
        ["basic", "pro", "team", "edu"], n, p=[0.5 - 0.2 * shift, 0.3, 0.1, 0.1 + 0.2 * shift]
    )
    region = rng.choice(["eu", "us"], n, p=[0.6 - 0.2 * shift, 0.4 + 0.2 * shift])
    segment = np.where(rng.random(n) < 0.02, None, rng.choice(["a", "b", "c"], n)).astype(object)
    frame = pd.DataFrame(
        {
            "ts": [start + timedelta(seconds=float(s)) for s in seconds],
            "income": income,
            "age": age,
            "visits": rng.poisson(3 + shift, n).astype(float),  # few distinct values
            "plan": plan,
            "region": region,
            "segment": segment,
            "score": score,
            "pred": (score >= 0.5).astype(int),
            "label": target,
            "amount": income * 0.1 + rng.normal(0, 50, n),
            "amount_pred": income * 0.1 + rng.normal(10 * shift, 60, n),
        }
    )
    frame["ts"] = frame["ts"].dt.tz_convert("UTC").dt.tz_localize(None)
    return frame


def logs(*, reference_rows: int, current_rows: int, shift: float, seed: int = 0) -> pd.DataFrame:
    reference = window(
        REFERENCE_START, REFERENCE_END - REFERENCE_START, reference_rows, shift=0, seed=seed
    )
    current = window(
        CURRENT_END - CURRENT_SPAN, CURRENT_SPAN, current_rows, shift=shift, seed=seed + 1
    )
    return pd.concat([reference, current], ignore_index=True)


def monitor(source_url: str, *, mode: str = "rows", **extra: Any) -> MonitorConfig:
    raw: dict[str, Any] = {
        "name": "agg",
        "source_url": source_url,
        "table": "logs",
        "timestamp_column": "ts",
        "numerical": ["income", "age", "visits"],
        "categorical": ["plan", "region", "segment"],
        "prediction": "pred",
        "prediction_score": "score",
        "target": "label",
        "task": "binary_classification",
        "current": {"last": "1d"},
        "reference": {"start": REFERENCE_START.isoformat(), "end": REFERENCE_END.isoformat()},
        "schedule": "every 1d",
        "mode": mode,
        "performance": [{"metric": m} for m in ("accuracy", "precision", "recall", "f1")],
        "report": {"enabled": False},
    }
    raw.update(extra)
    return MonitorConfig.model_validate(raw)
