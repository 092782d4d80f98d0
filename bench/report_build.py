"""Report build time and file size at 10k, 100k and 1M rows per window.

    .venv/bin/python bench/report_build.py [--rows 10000 100000 1000000] [--sample-rows 50000]

Each size builds one report of a churn-like monitor (6 numerical and 4
categorical features, prediction, score and labels; half the features drifted)
through the same path the service uses: cut to the report's row cap, build the
Evidently page, write it atomically, apply retention, rebuild the index.
Evidently's import is timed apart (first build only). The ratio column compares
each size with the smallest, measured in the same process.
Targets: under 10 s and under 10 MB at 1,000,000 rows per window (default cap).
"""

from __future__ import annotations

import argparse
import dataclasses
import shlex
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from monitor.checks.drift import ColumnPair, column_drift, dataset_drift
from monitor.columns import type_columns
from monitor.config.models import MonitorConfig
from monitor.reports import ReportPublisher
from monitor.result import Role, RunResult, RunStatus
from monitor.runner import RunData
from monitor.stats import FeatureType, build_registry
from monitor.store import Store
from monitor.windows import TimeRange

END = datetime(2026, 3, 1, 12, tzinfo=UTC)
NUMERICAL = ["age", "balance", "tenure", "charges", "calls", "products"]
CATEGORICAL = ["plan", "region", "channel", "active"]


def window(rows: int, drift: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    proba = rng.beta(2 + 2 * drift, 5, rows)
    return pd.DataFrame(
        {
            "age": rng.normal(41 + 9 * drift, 11, rows).round(),
            "balance": rng.lognormal(8, 1, rows).round(2),
            "tenure": rng.gamma(2, 14 * (1 - 0.4 * drift), rows).round(),
            "charges": rng.normal(60, 20, rows).round(2),
            "calls": rng.poisson(1.2 + 1.8 * drift, rows),
            "products": rng.choice([1, 2, 3, 4], rows, p=[0.45, 0.35, 0.15, 0.05]),
            "plan": rng.choice(
                ["basic", "standard", "premium"],
                rows,
                p=[0.35 + 0.3 * drift, 0.45 - 0.2 * drift, 0.2 - 0.1 * drift],
            ),
            "region": rng.choice(["north", "south", "east", "west", "central"], rows),
            "channel": rng.choice(["web", "app", "store"], rows, p=[0.5, 0.35, 0.15]),
            "active": rng.random(rows) < 0.7,
            "proba": proba.round(4),
            "pred": (proba >= 0.35).astype(int),
            "churned": (rng.random(rows) < proba).astype(int),
        }
    )


def monitor() -> MonitorConfig:
    return MonitorConfig.model_validate(
        {
            "name": "bench",
            "source_url": "sqlite://",
            "table": "t",
            "timestamp_column": "ts",
            "numerical": NUMERICAL,
            "categorical": CATEGORICAL,
            "prediction": "pred",
            "prediction_score": "proba",
            "target": "churned",
            "task": "binary_classification",
            "current": {"last": "1d"},
            "reference": {"last": "7d"},
        }
    )


def run_data(rows: int) -> tuple[RunResult, RunData]:
    """The run's result (driftwarden's checks on every row) and its rows."""
    m = monitor()
    reference, current = window(rows, 0.0, 1), window(rows, 1.0, 2)
    kinds = [(c, FeatureType.NUMERICAL, Role.FEATURE) for c in NUMERICAL]
    kinds += [(c, FeatureType.CATEGORICAL, Role.FEATURE) for c in CATEGORICAL]
    kinds += [
        ("pred", FeatureType.CATEGORICAL, Role.PREDICTION),
        ("proba", FeatureType.NUMERICAL, Role.SCORE),
        ("churned", FeatureType.CATEGORICAL, Role.TARGET),
    ]
    pairs = [(n, k) for n, k, _ in kinds]
    ref = type_columns(reference, pairs, monitor="bench", window="reference")
    cur = type_columns(current, pairs, monitor="bench", window="current")
    registry = build_registry()
    columns = tuple(
        column_drift(ColumnPair(ref[n], cur[n], role), m.drift, registry) for n, _, role in kinds
    )
    result = RunResult(
        monitor="bench",
        status=RunStatus.OK,
        window_end=END,
        current=TimeRange(END - timedelta(days=1), END),
        reference=TimeRange(END - timedelta(days=8), END - timedelta(days=1)),
        started_at=END,
        finished_at=END,
        rows_reference=rows,
        rows_current=rows,
        columns=columns,
        dataset_drift=dataset_drift(columns, m.drift.drift_share),
    )
    return result, RunData(columns=tuple(kinds), reference=reference, current=current)


def build_once(folder: Path, rows: int, sample_rows: int | None) -> tuple[float, int, bool]:
    m = monitor().model_copy(
        update={"report": monitor().report.model_copy(update={"sample_rows": sample_rows})}
    )
    result, data = run_data(rows)
    store = Store.open(f"sqlite:///{folder / 'results.db'}")
    try:
        result = dataclasses.replace(result, run_id=store.save(result))
        publisher = ReportPublisher(folder / "reports", store, [m], clock=lambda: END)
        started = time.perf_counter()
        outcome = publisher.publish(m, result, publisher.prepare(m, data))
        seconds = time.perf_counter() - started
    finally:
        store.close()
    if outcome.path is None or outcome.built is None:
        raise SystemExit(f"report failed at {rows} rows: {outcome.error}")
    size = (folder / "reports" / outcome.path).stat().st_size
    return seconds, size, outcome.built.sampled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--sample-rows", type=int, default=50_000)
    args = parser.parse_args()
    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", *sys.argv])

    started = time.perf_counter()
    import evidently  # noqa: F401  (timed apart: the first report of a process pays it)

    import_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        build_once(Path(tmp) / "warmup", 2_000, args.sample_rows)  # first-use costs
        results = []
        for rows in args.rows:
            folder = Path(tmp) / str(rows)
            folder.mkdir()
            results.append((rows, *build_once(folder, rows, args.sample_rows)))

    print(f"command: {command}")
    print(f"Evidently import: {import_seconds:.1f} s (once per process, before the first report)")
    print(f"row cap per window: {args.sample_rows:,}")
    print(
        f"{'rows/window':>12}  {'sampled':>7}  {'build s':>8}  {'size MB':>8}  "
        f"{'time ratio':>10}  {'size ratio':>10}"
    )
    base_seconds, base_size = results[0][1], results[0][2]
    for rows, seconds, size, sampled in results:
        print(
            f"{rows:>12,}  {'yes' if sampled else 'no':>7}  {seconds:>8.2f}  {size / 1e6:>8.2f}  "
            f"{seconds / base_seconds:>10.2f}  {size / base_size:>10.2f}"
        )
    rows, seconds, size, _ = results[-1]
    verdict = "meets" if seconds < 10 and size < 10e6 else "MISSES"
    print(
        f"at {rows:,} rows: {seconds:.2f} s, {size / 1e6:.2f} MB — "
        f"{verdict} the targets (< 10 s, < 10 MB)"
    )


if __name__ == "__main__":
    main()
