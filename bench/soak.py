"""Soak: 1,000 runs of 20 monitors in compressed time against PostgreSQL; memory and
file descriptors must stay flat.

The bench creates two PostgreSQL databases (source and results) on the server of
``DRIFTWARDEN_TEST_POSTGRES`` (default: postgres@127.0.0.1:5432, trust) and drops them
at the end. Each monitor reads its own table (a fixed reference of 2,000 rows and a
current window of 600 rows an hour; 20 tested columns, ROC AUC, prediction histogram
and latency quantiles) through the Arrow loader when installed; results, alerts and
the outbox go to the PostgreSQL results database. HTML reports are off (see
bench/report_build.py for their cost).

Compressed time: an injected clock stands at each minute in turn; at each, every
monitor's scheduled tick is fired (the function APScheduler calls), the runs go
through the worker pool, then the HTTP app answers ``/metrics``, ``/api/monitors``
and a run history, as a scraper and a dashboard would.

After the warm-up ticks, resident memory (``VmRSS``) and open file descriptors
(``/proc/self/fd``) are sampled every ``--sample-every`` ticks, after a garbage
collection. Printed: the samples, RSS growth from the first sample after warm-up to
the last (target < 10%), and the spread of fd counts (target: flat).

    .venv/bin/python bench/soak.py [--monitors 20] [--ticks 50] [--warmup 10]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fleet import config_text, parse, write_sources
from monitor.runner import utcnow
from monitor.service.daemon import Daemon
from monitor.service.http import create_app
from monitor.store import Store

COMMAND = ".venv/bin/python bench/soak.py"
ADMIN_URL = os.environ.get(
    "DRIFTWARDEN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


class Databases:
    """A source and a results database, created now and dropped by :meth:`drop`."""

    def __init__(self) -> None:
        self.admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        tag = uuid.uuid4().hex[:10]
        self.names = [f"dw_soak_source_{tag}", f"dw_soak_results_{tag}"]
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        self.source_url, self.store_url = (
            self.admin.url.set(database=n).render_as_string(hide_password=False) for n in self.names
        )

    def drop(self) -> None:
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


def wait_idle(daemon: Daemon) -> None:
    while any(daemon.executor.busy(m.name) for m in daemon.config.monitors):
        time.sleep(0.005)


def soak(args: argparse.Namespace) -> None:
    start = utcnow().replace(second=0, microsecond=0) - timedelta(days=1)
    databases = Databases()
    try:
        reference = (start - timedelta(days=9), start - timedelta(days=2))
        current = (start - timedelta(hours=1), start + timedelta(minutes=args.ticks))
        hours = (current[1] - current[0]).total_seconds() / 3600
        write_sources(
            databases.source_url,
            args.monitors,
            reference=reference,
            reference_rows=2000,
            current=current,
            current_rows=round(600 * hours),
        )
        config = parse(
            config_text(
                args.monitors,
                databases.source_url,
                databases.store_url,
                schedule="every 1m",
                reference=reference,
                workers=args.workers,
            )
        )
        clock = Clock(start)
        store = Store.open(databases.store_url)
        daemon = Daemon(config, store, clock=clock)
        loop = asyncio.new_event_loop()
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(daemon)), base_url="http://soak"
        )

        def get(path: str) -> None:
            answer = loop.run_until_complete(client.get(path))
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:200])

        samples: list[tuple[int, int, int]] = []
        wall0 = time.perf_counter()
        daemon.start()  # tick 0: every monitor catches up
        wait_idle(daemon)
        for tick in range(1, args.ticks):
            clock.now = start + timedelta(minutes=tick)
            for m in config.monitors:
                daemon.scheduler.tick(m.name)
            wait_idle(daemon)
            for _ in range(4):
                get("/metrics")
            get("/api/monitors")
            get(f"/api/monitors/{config.monitors[tick % args.monitors].name}/runs?limit=20")
            if tick >= args.warmup and (tick - args.warmup) % args.sample_every == 0:
                gc.collect()
                runs = (tick + 1) * args.monitors
                samples.append((runs, rss_kib(), open_fds()))
        wall = time.perf_counter() - wall0
        gc.collect()
        samples.append((args.ticks * args.monitors, rss_kib(), open_fds()))
        stored = sum(len(store.runs(m.name, limit=10_000)) for m in config.monitors)
        statuses = sorted(
            {r.status.value for m in config.monitors for r in store.runs(m.name, limit=3)}
        )
        loop.run_until_complete(client.aclose())
        loop.close()
        daemon.stop(grace=10)
        store.close()
    finally:
        databases.drop()

    print(
        f"command: {COMMAND} --monitors {args.monitors} --ticks {args.ticks} "
        f"--warmup {args.warmup} --sample-every {args.sample_every} --workers {args.workers}"
    )
    print(
        f"{stored} runs stored ({args.monitors} monitors x {args.ticks} ticks, statuses "
        f"{statuses}) against PostgreSQL in {wall:.0f} s of wall time"
    )
    print(f"{'runs':>6} {'RSS MiB':>9} {'open fds':>9}")
    for runs, rss, fds in samples:
        print(f"{runs:>6} {rss / 1024:>9.1f} {fds:>9}")
    first, last = samples[0], samples[-1]
    growth = 100 * (last[1] - first[1]) / first[1]
    peak = max(s[1] for s in samples)
    fds = [s[2] for s in samples]
    print(
        f"after warm-up ({first[0]} runs): RSS {first[1] / 1024:.1f} -> {last[1] / 1024:.1f} MiB "
        f"= {growth:+.1f}% (peak {peak / 1024:.1f} MiB); target < 10%: "
        f"{'met' if growth < 10 else 'NOT met'}"
    )
    print(
        f"open fds: min {min(fds)}, max {max(fds)}, first {fds[0]}, last {fds[-1]}; "
        f"flat: {'yes' if max(fds) - min(fds) <= 2 and fds[-1] <= fds[0] + 1 else 'NO'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=20)
    parser.add_argument("--ticks", type=int, default=50, help="minutes of schedule (runs each)")
    parser.add_argument("--warmup", type=int, default=10, help="ticks before the first sample")
    parser.add_argument("--sample-every", type=int, default=5, help="ticks between samples")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    if args.warmup >= args.ticks:
        parser.error("--warmup must be smaller than --ticks")
    logging.basicConfig(level=logging.WARNING)
    soak(args)


if __name__ == "__main__":
    main()
