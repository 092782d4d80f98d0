"""A fleet of monitors for the service benchmarks: config text, source tables, stored runs."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa

from monitor.config import Config, parse_config
from monitor.result import (
    ColumnResult,
    ColumnStatus,
    DatasetDrift,
    MetricResult,
    MetricStatus,
    Role,
    RunResult,
    RunStatus,
)
from monitor.store import Store
from monitor.traffic import LatencyQuantiles, TrafficSummary, ValueHistogram
from monitor.windows import run_windows

NUMERICAL = 14
CATEGORICAL = 4
"""With the prediction and its score, 20 tested columns per monitor."""


def numerical_names() -> list[str]:
    return [f"n{i:02d}" for i in range(NUMERICAL)]


def categorical_names() -> list[str]:
    return [f"c{i:02d}" for i in range(CATEGORICAL)]


def config_text(
    monitors: int,
    source_url: str,
    store_url: str,
    *,
    schedule: str,
    reference: tuple[datetime, datetime],
    current: str = "1h",
    workers: int = 4,
    listen: str = "127.0.0.1:8000",
) -> str:
    parts = [
        f"""
[service]
store_url = "{store_url}"
listen = "{listen}"
workers = {workers}
"""
    ]
    for i in range(monitors):
        parts.append(
            f"""
[[monitors]]
name = "model_{i:03d}"
source_url = "{source_url}"
table = "predictions_{i:03d}"
timestamp_column = "ts"
numerical = {numerical_names()}
categorical = {categorical_names()}
prediction = "pred"
prediction_score = "score"
target = "label"
task = "binary_classification"
latency_column = "latency_ms"
latency_unit = "ms"
schedule = "{schedule}"
current = {{ last = "{current}" }}
reference = {{ start = "{reference[0].isoformat()}", end = "{reference[1].isoformat()}" }}

[monitors.report]
enabled = false

[[monitors.performance]]
metric = "roc_auc"
min = 0.6
"""
        )
    return "".join(parts)


def parse(text: str) -> Config:
    return parse_config(text, environ={})


def table(
    rng: np.random.Generator, start: datetime, end: datetime, rows: int, shift: float
) -> pd.DataFrame:
    span = (end - start).total_seconds()
    stamps = pd.to_datetime(start) + pd.to_timedelta(np.sort(rng.uniform(0, span, rows)), unit="s")
    data: dict[str, object] = {"ts": stamps.strftime("%Y-%m-%d %H:%M:%S.%f")}
    for j, name in enumerate(numerical_names()):
        data[name] = rng.normal(shift * (j % 3), 1 + 0.1 * j, rows)
    for name in categorical_names():
        data[name] = rng.choice(["a", "b", "c", "d", "e"], rows)
    score = rng.beta(2 + shift, 5, rows)
    data["score"] = score
    data["pred"] = (score >= 0.5).astype(int)
    data["label"] = (rng.random(rows) < score).astype(int)
    data["latency_ms"] = rng.gamma(2.0, 15.0, rows)
    return pd.DataFrame(data)


def write_sources(
    url: str,
    monitors: int,
    *,
    reference: tuple[datetime, datetime],
    reference_rows: int,
    current: tuple[datetime, datetime],
    current_rows: int,
    seed: int = 0,
) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for i in range(monitors):
                rng = np.random.default_rng(seed + i)
                frame = pd.concat(
                    [
                        table(rng, *reference, reference_rows, 0.0),
                        table(rng, *current, current_rows, 0.3 * (i % 4)),
                    ],
                    ignore_index=True,
                )
                frame.to_sql(f"predictions_{i:03d}", conn, index=False)
                conn.execute(sa.text(f"CREATE INDEX ix_{i:03d} ON predictions_{i:03d} (ts)"))
    finally:
        engine.dispose()


def synthetic_run(config: Config, index: int, window_end: datetime, seed: int) -> RunResult:
    """A stored-looking result with 20 columns, one metric and traffic figures."""
    monitor = config.monitors[index]
    rng = np.random.default_rng(seed)
    windows = run_windows(monitor, window_end)
    names = [
        *((n, Role.FEATURE, "num") for n in numerical_names()),
        *((n, Role.FEATURE, "cat") for n in categorical_names()),
        ("pred", Role.PREDICTION, "cat"),
        ("score", Role.SCORE, "num"),
    ]
    columns = tuple(
        ColumnResult(
            column=name,
            role=role,
            feature_type="numerical" if kind == "num" else "categorical",
            method="wasserstein" if kind == "num" else "jensenshannon",
            score_kind="distance",
            score=float(rng.random() * 0.3),
            threshold=0.1,
            drifted=bool(rng.random() < 0.3),
            status=ColumnStatus.OK,
            rows_reference=2000,
            rows_current=600,
            missing_reference=0,
            missing_current=0,
        )
        for name, role, kind in names
    )
    drifted = sum(1 for c in columns if c.drifted and c.role is Role.FEATURE)
    bounds = tuple(round(0.1 * i, 1) for i in range(1, 11))
    return RunResult(
        monitor=monitor.name,
        status=RunStatus.OK,
        window_end=window_end,
        current=windows.current,
        reference=windows.reference,
        started_at=window_end,
        finished_at=window_end + timedelta(seconds=0.2),
        rows_reference=2000,
        rows_current=600,
        columns=columns,
        metrics=(MetricResult("roc_auc", 0.8, 0.82, 0.6, None, MetricStatus.OK, 600),),
        dataset_drift=DatasetDrift(drifted / 18, 0.5, drifted / 18 >= 0.5, drifted, 18),
        traffic=TrafficSummary(
            prediction=ValueHistogram(
                "score", bounds, tuple(60 * i for i in range(1, 11)), 600, 180.0
            ),
            latency=LatencyQuantiles("latency_ms", ((0.5, 0.025), (0.95, 0.07), (0.99, 0.1)), 600),
        ),
    )


def fill_store(store: Store, config: Config, window_end: datetime) -> int:
    """One stored run per monitor; returns the number of column rows written."""
    for i in range(len(config.monitors)):
        store.save(synthetic_run(config, i, window_end, seed=i))
    return len(config.monitors) * 20
