"""Cost of the data-quality and multivariate checks as windows grow.

20 columns (15 numerical, 5 categorical), N rows in each window, drift in a few
columns. Prints, per N, in seconds: the quality checks over every column (full
windows); building the sampled multivariate tables from the frames; PCA
reconstruction and the domain classifier on the sample (max_rows = 10,000); and
PCA on the full windows, with its ratio to the sampled run.

    .venv/bin/python bench/multivariate_cost.py [N ...]   (default 10000 100000 1000000)
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from monitor.checks.drift import ColumnPair
from monitor.checks.multivariate import classifier_drift, reconstruction_drift
from monitor.checks.quality import column_quality
from monitor.columns import feature_table, type_columns
from monitor.config.checks import MultivariateConfig, QualityConfig
from monitor.stats import FeatureType

NUMERICAL = [f"n{i}" for i in range(15)]
CATEGORICAL = [f"c{i}" for i in range(5)]
KINDS = [(c, FeatureType.NUMERICAL) for c in NUMERICAL] + [
    (c, FeatureType.CATEGORICAL) for c in CATEGORICAL
]


def frame(rows: int, seed: int, drift: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {}
    base = rng.normal(size=rows)
    for i, name in enumerate(NUMERICAL):
        data[name] = 0.5 * base + rng.normal(size=rows) + (0.3 if drift and i < 3 else 0.0)
    for i, name in enumerate(CATEGORICAL):
        labels = np.array([f"v{j}" for j in range(8 + i)], dtype=object)
        data[name] = rng.choice(labels[:-1] if drift and i == 0 else labels, size=rows)
    return pd.DataFrame(data)


def bench(rows: int) -> None:
    config, quality_config = MultivariateConfig(enabled=True), QualityConfig()
    ref_frame, cur_frame = frame(rows, 1, False), frame(rows, 2, True)
    ref_cols = type_columns(ref_frame, KINDS, monitor="bench", window="reference")
    cur_cols = type_columns(cur_frame, KINDS, monitor="bench", window="current")
    pairs = [ColumnPair(ref_cols[c], cur_cols[c]) for c, _ in KINDS]

    start = time.perf_counter()
    quality = [r for p in pairs for r in column_quality(p, quality_config)]
    t_quality = time.perf_counter() - start

    start = time.perf_counter()
    ref = feature_table(
        ref_frame, KINDS, max_rows=config.max_rows, seed=0, monitor="bench", window="reference"
    )
    cur = feature_table(
        cur_frame, KINDS, max_rows=config.max_rows, seed=0, monitor="bench", window="current"
    )
    t_tables = time.perf_counter() - start

    start = time.perf_counter()
    pca = reconstruction_drift(ref, cur, config)
    t_pca = time.perf_counter() - start

    start = time.perf_counter()
    classifier = classifier_drift(ref, cur, config)
    t_classifier = time.perf_counter() - start

    ref_all = feature_table(ref_frame, KINDS, max_rows=rows, seed=0, monitor="b", window="r")
    cur_all = feature_table(cur_frame, KINDS, max_rows=rows, seed=0, monitor="b", window="c")
    start = time.perf_counter()
    pca_all = reconstruction_drift(ref_all, cur_all, config)
    t_all = time.perf_counter() - start

    print(
        f"{rows:>11,}  {t_quality:>8.3f}  {t_tables:>8.3f}  {t_pca:>8.3f}  "
        f"{t_classifier:>10.3f}  {t_all:>9.3f}  {t_all / t_pca:>10.1f}x"
    )
    print(
        f"{'':>11}  {len(quality)} quality rows; sampled pca {pca.score:.4f} "
        f"(upper {pca.upper_threshold:.4f}) detected={pca.detected}; "
        f"full pca {pca_all.score:.4f} detected={pca_all.detected}; "
        f"classifier auc {classifier.score:.4f} detected={classifier.detected}"
    )


def main(sizes: list[int]) -> None:
    print(
        f"{'rows/window':>11}  {'quality':>8}  {'tables':>8}  {'pca':>8}  {'classifier':>10}  "
        f"{'pca full':>9}  {'full/pca':>11}"
    )
    for rows in sizes:
        bench(rows)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
