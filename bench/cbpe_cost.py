"""What performance estimation (CBPE) costs: the calibration fitted once per reference,
and the estimate of each window against the realized metrics of the same window.

Synthetic binary classifier: scores from a Beta(2, 2), labels drawn with an
overconfident version of them (so calibration is applied), predictions at 0.5.
In the same process, for each size:

- fit: ``fit_calibration`` on the reference (ten held-out isotonic fits + one);
- estimate: calibrating a window's scores and estimating the five metrics;
- realized (baseline): the five realized metrics of the same window from labels
  (accuracy, precision/recall/F1, ROC AUC of ``monitor.checks.metrics``).

    .venv/bin/python bench/cbpe_cost.py [--sizes 10000 100000 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.checks import metrics
from monitor.checks.calibration import fit_calibration
from monitor.checks.cbpe import ESTIMATED_METRICS, estimate


def timed(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.beta(2, 2, n)
    scores = 1 / (1 + np.exp(-2 * np.log(p / (1 - p))))  # overconfident
    return scores, rng.random(n) < p


def measure(n: int, repeat: int) -> tuple[float, float, float]:
    """Seconds to fit, to estimate a window, and to compute its realized metrics."""
    ref_scores, ref_actual = data(n, 1)
    scores, actual = data(n, 2)
    calibration = fit_calibration(ref_scores, ref_actual)
    assert calibration.applied
    predicted = scores >= 0.5
    target = np.where(actual, "1", "0").astype(object)
    labels = np.where(predicted, "1", "0").astype(object)

    def realized() -> None:
        metrics.accuracy(target, labels)
        metrics.binary_scores(target, labels, "1")
        metrics.roc_auc(target, scores, "1")

    fit = timed(lambda: fit_calibration(ref_scores, ref_actual), max(1, repeat // 2))
    est = timed(lambda: estimate(ESTIMATED_METRICS, calibration(scores), scores, predicted), repeat)
    return fit, est, timed(realized, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'rows':>9}  {'fit (once)':>11}  {'estimate':>9}  {'realized':>9}  est/realized")
    for n in args.sizes:
        fit, est, base = measure(n, args.repeat)
        print(f"{n:>9,}  {fit:>10.3f}s  {est:>8.4f}s  {base:>8.4f}s  {est / base:>11.2f}x")


if __name__ == "__main__":
    main()
