"""Cost of a categorical column with 100,000 distinct values in each window.

One monitor over SQLite prediction logs (100,128 reference rows, 100,032 current
rows), run three ways in the same process:

- baseline: the usual columns only;
- declared: ``user`` (a distinct id per row, other ids in the current window)
  listed under ``categorical``, so it is tested (Jensen-Shannon over 200,160 categories);
- inferred: ``categorical`` omitted, so ``user`` is typed from the reference and left
  out (more than ``max_categories``) with a log line.

For each: the run's wall time (median of ``--repeat`` runs, the fixed reference read
fresh each time), the peak of Python allocations during the run (tracemalloc) and
the number of exported series; the ratios are against the baseline. The times are
taken with tracemalloc on, which slows Python code several-fold: compare the ratios.

    .venv/bin/python bench/high_cardinality.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from prometheus_client.registry import CollectorRegistry

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.config import parse_config
from monitor.exporter import Exporter
from monitor.latest import LatestResults
from monitor.pipeline import Pipeline
from monitor.runner import Runner
from monitor.store import Store
from tests.conftest import write_table
from tests.factories import CURRENT_END, write_config
from tests.integration.test_bad_data import high_cardinality_logs

COMMAND = ".venv/bin/python bench/high_cardinality.py"


def measure(config_text: str, repeat: int) -> tuple[float, float, int, str]:
    config = parse_config(config_text, environ={})
    times, peaks = [], []
    series = 0
    status = ""
    for _ in range(repeat):
        store = Store.open(config.service.store_url)
        latest = LatestResults()
        exporter = Exporter(latest, registry=CollectorRegistry(), process_metrics=False)
        exporter.reconfigure(config)
        runner = Runner()
        tracemalloc.start()
        began = time.perf_counter()
        result = Pipeline(runner, store, [latest, exporter]).run(config.monitors[0], CURRENT_END)
        times.append(time.perf_counter() - began)
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
        status = result.status.value
        series = sum(len(f.samples) for f in exporter.registry.collect())
        runner.engines.dispose()
        store.close()
    return statistics.median(times), max(peaks), series, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = f"sqlite:///{root / 'source.db'}"
        write_table(source, "predictions", high_cardinality_logs())
        text = write_config(root / "config.toml", source, f"sqlite:///{root / 'r.db'}").read_text()
        plain = 'categorical = ["plan", "region"]'
        cases = {
            "baseline": text,
            "declared": text.replace(plain, 'categorical = ["plan", "region", "user"]'),
            "inferred": text.replace(plain + "\n", ""),
        }
        figures = {name: measure(config, args.repeat) for name, config in cases.items()}
    base_time, base_peak, _, _ = figures["baseline"]
    print(
        f"{'case':<10} {'status':<7} {'run s':>8} {'x base':>7} {'peak MiB':>9} "
        f"{'x base':>7} {'series':>7}"
    )
    for name, (seconds, peak, series, status) in figures.items():
        print(
            f"{name:<10} {status:<7} {seconds:8.2f} {seconds / base_time:7.2f} "
            f"{peak:9.1f} {peak / base_peak:7.2f} {series:7d}"
        )
    print(f"\nreproduce: {COMMAND} --repeat {args.repeat}")


if __name__ == "__main__":
    main()
