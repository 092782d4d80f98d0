"""Column drift: driftwarden's engine against Evidently 0.7's Report, same process.

20 columns (15 numerical, 5 categorical), drift injected in four of them, the
same test per column on both sides (Evidently's default rule unless --num-method
/ --cat-method name one). For each window size the script prints:

- wall time of Evidently's ``Report([DataDriftPreset(...)]).run`` (Dataset
  creation included);
- driftwarden's reference fit (typing the reference columns and preparing
  their samples: sorting, spread, category counts; done once per reference and
  cached by the runner), its per-run time (typing the current columns plus
  every column's test, reference prepared) and the tests alone;
- a bare numpy/scipy computation of the same statistics from the same typed
  arrays, nothing prepared in advance;
- peak traced memory (tracemalloc, allocations above what was live before) of
  each, measured in a separate pass so tracing does not slow the timed ones;
- whether every column's score agrees with Evidently's (relative 1e-9).

    .venv/bin/python bench/drift_vs_evidently.py --rows 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import sys
import time
import tracemalloc
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

from monitor.checks.drift import ColumnPair, column_drift
from monitor.columns import TypedColumn, type_columns
from monitor.config.models import DriftConfig
from monitor.result import ColumnResult
from monitor.stats import FeatureType, build_registry

NUMERICAL = [f"num{i}" for i in range(15)]
CATEGORICAL = [f"cat{i}" for i in range(5)]
KINDS = [(c, FeatureType.NUMERICAL) for c in NUMERICAL] + [
    (c, FeatureType.CATEGORICAL) for c in CATEGORICAL
]
CATEGORIES = [f"level_{k}" for k in range(8)]
REGISTRY = build_registry()


def make_window(rows: int, *, drift: bool, seed: int) -> pd.DataFrame:
    """Independent columns; with ``drift``, num0/num1/num2/cat0 move."""
    rng = np.random.default_rng(seed)
    data: dict[str, Any] = {}
    for i, name in enumerate(NUMERICAL):
        loc = 0.5 if drift and i == 0 else (0.05 if drift and i == 2 else 0.0)
        scale = 1.5 if drift and i == 1 else 1.0
        if i % 3 == 0:
            data[name] = rng.normal(loc, scale, rows)
        elif i % 3 == 1:
            data[name] = rng.lognormal(loc, scale * 0.5, rows)
        else:
            data[name] = np.round(rng.normal(loc * 10, scale * 10, rows))  # ties
    for i, name in enumerate(CATEGORICAL):
        levels = CATEGORIES[: 3 + i]
        p = [0.5, 0.25, 0.25] if drift and i == 0 else None
        data[name] = rng.choice(levels, rows, p=p).astype(object)
    return pd.DataFrame(data)


# -- driftwarden -----------------------------------------------------------------


def fit(reference: pd.DataFrame) -> dict[str, TypedColumn]:
    columns = type_columns(reference, KINDS, monitor="bench", window="reference")
    for column in columns.values():
        column.sample.prepare()
    return columns


def run(
    profile: dict[str, TypedColumn], current: pd.DataFrame, drift: DriftConfig
) -> list[ColumnResult]:
    typed = type_columns(current, KINDS, monitor="bench", window="current")
    return tests_only(profile, typed, drift)


def tests_only(
    profile: dict[str, TypedColumn], current: dict[str, TypedColumn], drift: DriftConfig
) -> list[ColumnResult]:
    return [
        column_drift(ColumnPair(profile[name], current[name]), drift, REGISTRY) for name, _ in KINDS
    ]


def fresh_current(current: pd.DataFrame) -> dict[str, TypedColumn]:
    return type_columns(current, KINDS, monitor="bench", window="current")


# -- bare numpy / scipy ----------------------------------------------------------


def _counts(values: np.ndarray) -> dict[Any, int]:
    return Counter(values)  # faster than np.unique on text


def _shares(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = _counts(ref), _counts(cur)
    keys = sorted(set(a) | set(b))
    return (
        np.array([a.get(k, 0) for k in keys]) / ref.size,
        np.array([b.get(k, 0) for k in keys]) / cur.size,
    )


BARE: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "wasserstein": lambda r, c: stats.wasserstein_distance(r, c) / max(float(np.std(r)), 0.001),
    "ks": lambda r, c: float(stats.ks_2samp(r, c).pvalue),
    "ed": lambda r, c: float(stats.energy_distance(r, c)),
    "t_test": lambda r, c: float(stats.ttest_ind(r, c).pvalue),
    "jensenshannon": lambda r, c: float(distance.jensenshannon(*_shares(r, c))),
    "chisquare": lambda r, c: float(
        stats.chisquare(_shares(r, c)[1] * c.size, _shares(r, c)[0] * c.size).pvalue
    ),
}


def bare(
    reference: dict[str, TypedColumn], current: dict[str, TypedColumn], methods: dict[str, str]
) -> dict[str, float] | None:
    if any(m not in BARE for m in methods.values()):
        return None
    return {
        name: BARE[methods[name]](reference[name].values, current[name].values) for name, _ in KINDS
    }


# -- Evidently -------------------------------------------------------------------


def evidently_run(
    reference: pd.DataFrame, current: pd.DataFrame, methods: dict[str, str] | None
) -> dict[str, tuple[float, str]]:
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=NUMERICAL, categorical_columns=CATEGORICAL)
    preset = DataDriftPreset(per_column_method=methods) if methods else DataDriftPreset()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        snapshot = Report([preset]).run(
            Dataset.from_pandas(current, data_definition=definition),
            Dataset.from_pandas(reference, data_definition=definition),
        )
        metrics = snapshot.dict()["metrics"]
    out = {}
    for metric in metrics:
        config = metric["config"]
        if config.get("type", "").endswith("ValueDrift"):
            out[config["column"]] = (float(metric["value"]), str(config["method"]))
    return out


# -- measuring -------------------------------------------------------------------


@dataclass
class Timing:
    wall: float
    cpu: float
    """Process CPU time: less sensitive than wall time to other work on the machine."""


def timed(
    func: Callable[..., Any], repeat: int, setup: Callable[[], Any] | None = None
) -> tuple[Timing, Any]:
    """The fastest of ``repeat`` calls (wall and CPU time); ``setup`` (untimed)
    makes fresh input for each call, so nothing one call caches helps the next."""
    best, result = Timing(math.inf, math.inf), None
    for _ in range(repeat):
        argument = setup() if setup is not None else None
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        result = func(argument) if setup is not None else func()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        best = Timing(min(best.wall, wall), min(best.cpu, cpu))
    return best, result


def peak_mib(func: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    func()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - before) / 2**20


@dataclass
class Figures:
    rows: int
    evidently_s: Timing
    fit_s: Timing
    run_s: Timing
    tests_s: Timing
    bare_s: Timing | None
    evidently_mib: float
    fit_mib: float
    run_mib: float
    agree: int
    max_rel: float
    methods: dict[str, int]


def bench(rows: int, args: argparse.Namespace) -> Figures:
    reference = make_window(rows, drift=False, seed=1)
    current = make_window(rows, drift=True, seed=2)
    drift = DriftConfig(numerical_method=args.num_method, categorical_method=args.cat_method)
    ev_methods = {
        **({c: args.num_method for c in NUMERICAL} if args.num_method else {}),
        **({c: args.cat_method for c in CATEGORICAL} if args.cat_method else {}),
    }

    fit_s, profile = timed(lambda: fit(reference), 1)
    run_s, results = timed(lambda: run(profile, current, drift), args.repeat)
    tests_s, _ = timed(
        lambda typed: tests_only(profile, typed, drift),
        args.repeat,
        setup=lambda: fresh_current(current),
    )
    methods = {r.column: r.method or "" for r in results}
    fresh_reference = type_columns(reference, KINDS, monitor="bench", window="reference")
    bare_s, bare_scores = timed(
        lambda typed: bare(fresh_reference, typed, methods),
        args.repeat,
        setup=lambda: fresh_current(current),
    )

    evidently_s, theirs = timed(lambda: evidently_run(reference, current, ev_methods), 1)
    names = {t.display_name: t.name for t in REGISTRY}
    agree, max_rel = 0, 0.0
    for result in results:
        score, method = theirs[result.column]
        assert result.score is not None
        rel = abs(result.score - score) / abs(score) if score else abs(result.score)
        max_rel = max(max_rel, rel)
        same_test = names.get(method) == result.method
        if same_test and (result.score == score or rel <= 1e-9):
            agree += 1
        elif args.verbose:
            print(
                f"  {result.column}: ours {result.method} {result.score!r}, "
                f"Evidently {method} {score!r}"
            )

    evidently_mib = (
        peak_mib(lambda: evidently_run(reference, current, ev_methods)) if args.memory else math.nan
    )
    fit_mib = peak_mib(lambda: fit(reference)) if args.memory else math.nan
    run_mib = peak_mib(lambda: run(profile, current, drift)) if args.memory else math.nan
    counted: dict[str, int] = {}
    for m in methods.values():
        counted[m] = counted.get(m, 0) + 1
    return Figures(
        rows,
        evidently_s,
        fit_s,
        run_s,
        tests_s,
        bare_s if bare_scores else None,
        evidently_mib,
        fit_mib,
        run_mib,
        agree,
        max_rel,
        counted,
    )


def report(f: Figures) -> None:
    tests = ", ".join(f"{name} ×{n}" for name, n in sorted(f.methods.items()))
    print(f"\nrows per window: {f.rows:,}   columns: 15 numerical + 5 categorical   tests: {tests}")
    print(f"  {'':42s} {'wall (s)':>9s} {'CPU (s)':>9s} {'peak MiB':>9s}")
    rows = [
        ("Evidently Report([DataDriftPreset])", f.evidently_s, f.evidently_mib),
        ("driftwarden fit (reference, once)", f.fit_s, f.fit_mib),
        ("driftwarden run (type current + tests)", f.run_s, f.run_mib),
        ("driftwarden tests only (typed columns)", f.tests_s, math.nan),
    ]
    if f.bare_s is not None:
        rows.append(("bare numpy/scipy, same statistics", f.bare_s, math.nan))
    for label, timing, mib in rows:
        memory = "" if math.isnan(mib) else f"{mib:9.1f}"
        print(f"  {label:42s} {timing.wall:9.3f} {timing.cpu:9.3f} {memory}")
    ratio = f.evidently_s.wall / f.run_s.wall
    cpu_ratio = f.evidently_s.cpu / f.run_s.cpu
    first = f.evidently_s.wall / (f.fit_s.wall + f.run_s.wall)
    print(
        f"  speed-up vs Evidently: run {ratio:.1f}× wall, {cpu_ratio:.1f}× CPU; "
        f"first run with fit {first:.1f}× wall"
    )
    if f.bare_s is not None:
        print(
            f"  tests only vs bare numpy/scipy: {f.tests_s.wall / f.bare_s.wall:.2f}× the "
            f"wall time, {f.tests_s.cpu / f.bare_s.cpu:.2f}× the CPU time"
        )
    if not math.isnan(f.evidently_mib):
        print(
            f"  peak memory, run / Evidently: {f.run_mib / f.evidently_mib:.3f}; "
            f"fit / Evidently: {f.fit_mib / f.evidently_mib:.3f}"
        )
    print(
        f"  scores identical to Evidently (same test, rel 1e-9): {f.agree}/20 columns, "
        f"largest relative difference {f.max_rel:.1e}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3, help="best of N for driftwarden and bare")
    parser.add_argument("--num-method", default=None)
    parser.add_argument("--cat-method", default=None)
    parser.add_argument("--no-memory", dest="memory", action="store_false")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
        f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}"
    )
    start = time.perf_counter()
    import evidently  # noqa: F401  (the slow import, outside the timings)

    print(f"(importing Evidently took {time.perf_counter() - start:.1f} s, not counted below)")
    all_agree = True
    for rows in args.rows:
        figures = bench(rows, args)
        report(figures)
        all_agree &= figures.agree == 20
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")
    return 0 if all_agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
