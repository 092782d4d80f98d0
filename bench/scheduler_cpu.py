"""CPU used by the service running 100 monitors on a one-minute schedule for 10 minutes.

Each monitor reads its own SQLite table: a fixed reference of 2,000 rows and a
one-hour current window of 600 rows (10 predictions a minute), 20 tested columns
(14 numerical, 4 categorical, the prediction and its score), ROC AUC, the
prediction histogram and latency quantiles. Results go to a SQLite store, the
exporter and the run log (at warning level, as the run lines are not the point).
HTML reports are off (``[monitors.report] enabled = false``): an Evidently
report a minute for each of 100 monitors is a different budget.

Compressed time (default): the injected clock stands at each of the 10 minutes in
turn; at each, every monitor's scheduled tick is fired (the function APScheduler
calls) and the runs go through the worker pool; /metrics is rendered 4 times a
minute (a 15 s scrape). The process CPU time of all that, divided by the 600 s
it stands for, is the share of one core. Idle time between ticks is left out,
which is where a real scheduler only sleeps.

Real time (``--real-time MINUTES``): the service runs on the wall clock with
APScheduler firing for that many minutes; CPU time over elapsed time.

Baseline in the same process: the same runs through a bare ``Runner`` (no
store, sinks, pool or scheduler).

    .venv/bin/python bench/scheduler_cpu.py [--monitors 100] [--minutes 10]
    .venv/bin/python bench/scheduler_cpu.py --real-time 3

Target: under 25% of one core.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fleet import config_text, parse, write_sources
from monitor.profile import ProfileCache
from monitor.runner import Runner, utcnow
from monitor.service.daemon import Daemon
from monitor.store import Store

COMMAND = ".venv/bin/python bench/scheduler_cpu.py"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def wait_idle(daemon: Daemon) -> None:
    while any(daemon.executor.busy(m.name) for m in daemon.config.monitors):
        time.sleep(0.005)


def setup(
    tmp: Path, monitors: int, start: datetime, minutes: int, rows_per_hour: int, workers: int
) -> tuple[str, str]:
    source_url = f"sqlite:///{tmp / 'source.db'}"
    store_url = f"sqlite:///{tmp / 'results.db'}"
    reference = (start - timedelta(days=9), start - timedelta(days=2))
    current = (start - timedelta(hours=1), start + timedelta(minutes=minutes))
    span_hours = (current[1] - current[0]).total_seconds() / 3600
    write_sources(
        source_url,
        monitors,
        reference=reference,
        reference_rows=2000,
        current=current,
        current_rows=round(rows_per_hour * span_hours),
    )
    text = config_text(
        monitors, source_url, store_url, schedule="every 1m", reference=reference, workers=workers
    )
    return text, store_url


def compressed(args: argparse.Namespace) -> None:
    start = utcnow().replace(second=0, microsecond=0) - timedelta(days=1)
    with tempfile.TemporaryDirectory() as tmp:
        text, store_url = setup(
            Path(tmp), args.monitors, start, args.minutes, args.rows_per_hour, args.workers
        )
        config = parse(text)
        clock = Clock(start)
        store = Store.open(store_url)
        daemon = Daemon(config, store, clock=clock)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        daemon.start()  # minute 0: every monitor catches up
        wait_idle(daemon)
        scrapes = 0
        for minute in range(1, args.minutes):
            clock.now = start + timedelta(minutes=minute)
            for m in config.monitors:
                daemon.scheduler.tick(m.name)
            wait_idle(daemon)
            for _ in range(4):
                daemon.exporter.render()
                scrapes += 1
        for _ in range(4):
            daemon.exporter.render()
            scrapes += 1
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        daemon.stop(grace=5)
        profiles = daemon.runner.profiles
        runs = sum(len(store.runs(m.name, limit=1000)) for m in config.monitors)
        statuses = {r.status.value for m in config.monitors for r in store.runs(m.name, limit=5)}
        store.close()

        baseline_runner = Runner(profiles=ProfileCache(capacity=profiles.capacity))
        cpu1 = time.process_time()
        for minute in range(args.minutes):
            tick = start + timedelta(minutes=minute)
            for m in config.monitors:
                baseline_runner.run(m, tick)
        baseline = time.process_time() - cpu1
        baseline_runner.engines.dispose()

    span = args.minutes * 60
    print(
        f"command: {COMMAND} --monitors {args.monitors} --minutes {args.minutes} "
        f"--rows-per-hour {args.rows_per_hour} --workers {args.workers}"
    )
    print(
        f"{runs} runs ({args.monitors} monitors x {args.minutes} ticks, "
        f"statuses {sorted(statuses)}), {scrapes} /metrics renders; "
        f"compressed into {wall:.1f} s of wall time"
    )
    print(
        f"service CPU: {cpu:.1f} s for {span} s of schedule = {100 * cpu / span:.1f}% of one core"
    )
    print(
        f"  per run: {1000 * cpu / runs:.1f} ms CPU; reference profiles fitted "
        f"{profiles.misses} times, reused {profiles.hits} times"
    )
    print(
        f"baseline (bare Runner, same runs): {baseline:.1f} s = {100 * baseline / span:.1f}% "
        f"of one core; service / baseline = {cpu / baseline:.2f}x"
    )
    print(f"target < 25% of one core: {'met' if cpu / span < 0.25 else 'NOT met'}")


def real_time(args: argparse.Namespace) -> None:
    minutes = args.real_time
    start = utcnow()
    with tempfile.TemporaryDirectory() as tmp:
        text, store_url = setup(
            Path(tmp), args.monitors, start, minutes + 1, args.rows_per_hour, args.workers
        )
        config = parse(text)
        store = Store.open(store_url)
        daemon = Daemon(config, store)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        daemon.start()
        next_scrape = time.perf_counter()
        while time.perf_counter() - wall0 < minutes * 60:
            if time.perf_counter() >= next_scrape:
                daemon.exporter.render()
                next_scrape += 15
            time.sleep(0.5)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        daemon.stop(grace=30)
        runs = sum(len(store.runs(m.name, limit=1000)) for m in config.monitors)
        store.close()
    print(f"command: {COMMAND} --real-time {minutes} --monitors {args.monitors}")
    print(f"{runs} runs in {wall:.0f} s of wall time (APScheduler on the wall clock)")
    print(f"service CPU: {cpu:.1f} s = {100 * cpu / wall:.1f}% of one core")
    print(f"target < 25% of one core: {'met' if cpu / wall < 0.25 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=100)
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--rows-per-hour", type=int, default=600)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--real-time", type=int, metavar="MINUTES")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.real_time:
        real_time(args)
    else:
        compressed(args)


if __name__ == "__main__":
    main()
