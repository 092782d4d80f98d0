"""Seeded prediction logs with columns that exercise every drift test, and monitors over them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from monitor.config import Config
from monitor.config.models import MonitorConfig
from tests.conftest import write_table
from tests.factories import CURRENT_END, REFERENCE_END, REFERENCE_START


def window(start: Any, hours: float, n: int, *, drift: bool, seed: int) -> pd.DataFrame:
    """``n`` rows spread over ``hours`` from ``start``; ``drift`` shifts most columns."""
    rng = np.random.default_rng(seed)
    shift = 1.0 if drift else 0.0
    offsets = np.sort(rng.uniform(0, hours * 3600, n))
    proba = rng.beta(2 + 2 * shift, 5, n)
    target = (rng.random(n) < (0.5 if drift else proba)).astype(float)
    frame = pd.DataFrame(
        {
            "ts": [(start + timedelta(seconds=float(s))).replace(tzinfo=None) for s in offsets],
            "amount": rng.normal(100 + 12 * shift, 20, n).round(3),
            "calls": rng.poisson(1.5 + 0.8 * shift, n).clip(0, 4).astype(float),
            "flag": (rng.random(n) < 0.3 + 0.25 * shift).astype(float),
            "tenure": rng.gamma(2.0, 10.0 + 6 * shift, n).round(2),
            "steady": rng.normal(0, 1, n).round(4),
            "plan": rng.choice(
                ["basic", "pro", "team", "enterprise"],
                n,
                p=[0.4 - 0.2 * shift, 0.3, 0.2 + 0.1 * shift, 0.1 + 0.1 * shift],
            ),
            "channel": rng.choice(["web", "app"], n, p=[0.6 - 0.3 * shift, 0.4 + 0.3 * shift]),
            "country": np.full(n, "NZ"),
            "score": proba.round(5),
            "pred": (proba >= 0.35).astype(int),
            "label": target,
        }
    )
    # Missing values: driftwarden counts and skips them, and so must the report.
    frame.loc[rng.random(n) < 0.05, "amount"] = np.nan
    frame["plan"] = frame["plan"].astype(object)
    if drift:
        # A category the reference never saw.
        frame.loc[rng.random(n) < 0.05, "plan"] = "vip"
    frame.loc[rng.random(n) < 0.03, "plan"] = None
    return frame


def logs(*, reference_rows: int, current_rows: int, drift: bool, seed: int = 1) -> pd.DataFrame:
    reference = window(REFERENCE_START, 7 * 24, reference_rows, drift=False, seed=seed)
    current = window(
        CURRENT_END - timedelta(hours=24), 24, current_rows, drift=drift, seed=seed + 1
    )
    # The newest two hours have no labels yet.
    late = current["ts"] >= (CURRENT_END - timedelta(hours=2)).replace(tzinfo=None)
    current["label"] = current["label"].where(~late)
    return pd.concat([reference, current], ignore_index=True)


def monitor_dict(source_url: str, **overrides: Any) -> dict[str, Any]:
    monitor: dict[str, Any] = {
        "name": "payments",
        "source_url": source_url,
        "table": "predictions",
        "timestamp_column": "ts",
        "numerical": ["amount", "calls", "flag", "tenure", "steady"],
        "categorical": ["plan", "channel", "country"],
        "prediction": "pred",
        "prediction_score": "score",
        "target": "label",
        "task": "binary_classification",
        "schedule": "every 1h",
        "current": {"last": "1d"},
        "reference": {"start": REFERENCE_START.isoformat(), "end": REFERENCE_END.isoformat()},
        "drift": {
            "columns": {
                "tenure": {"method": "psi", "threshold": 0.2},
                "steady": {"method": "ks", "threshold": 0.001},
            }
        },
        "performance": [{"metric": "accuracy", "min": 0.6}, {"metric": "roc_auc", "max_drop": 0.1}],
    }
    monitor.update(overrides)
    return monitor


def config(
    tmp_path: Path, source_url: str, *monitors: dict[str, Any], public_url: str | None = None
) -> Config:
    return Config.model_validate(
        {
            "service": {
                "store_url": f"sqlite:///{tmp_path / 'results.db'}",
                "reports_dir": str(tmp_path / "reports"),
                "public_url": public_url,
            },
            "monitors": list(monitors) or [monitor_dict(source_url)],
        }
    )


def source(tmp_path: Path, frame: pd.DataFrame, name: str = "source.db") -> str:
    url = f"sqlite:///{tmp_path / name}"
    write_table(url, "predictions", frame)
    return url


def only(config: Config) -> MonitorConfig:
    assert len(config.monitors) == 1
    return config.monitors[0]
