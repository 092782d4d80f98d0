"""Aggregate mode against row mode: peak memory, bytes from the database, time.

    .venv/bin/python bench/aggregate.py [--rows 10000000] [--skip-rows-at-max]

Creates the database ``dw_bench_aggregate`` on the local PostgreSQL with one table
``logs``: a 100,000-row reference week and a current stretch of ``--rows`` rows over
ten days (``INSERT ... SELECT generate_series``, server side), ten numerical and three
categorical columns plus a score, a prediction and a label; an index on the time
column. The database is dropped at the end.

Each measurement runs a monitor in its own subprocess: one run to build the cached
reference profile, then the measured run on the current window of 1 day (a tenth of
the rows) or 10 days (all of them). Figures per measured run:

- seconds: wall time of the measured run (reference already cached);
- peak RSS: ``ru_maxrss`` of the subprocess over its whole life (reference
  included: what the monitor process needs), with its value after the imports and
  after the reference profile was built, before the measured run;
- bytes from the database: every byte PostgreSQL sent to the subprocess during the
  measured run, counted by a TCP relay in this process that sits between them
  (protocol overhead included; the Arrow path's COPY stream goes through it too).

Target: aggregate mode under 300 MB and not growing with the rows.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "dw_bench_aggregate"
UPSTREAM = ("127.0.0.1", 5432)
REFERENCE_START = datetime(2026, 1, 1, tzinfo=UTC)
REFERENCE_ROWS = 100_000
CURRENT_START = datetime(2026, 2, 1, tzinfo=UTC)
DAYS = 10
NUMERICAL = [f"f{i}" for i in range(10)]
CATEGORICAL = ["c0", "c1", "c2"]
DISTRIBUTIONS = [
    "random() * 100",
    "sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) * 10 + 50",
    "-ln(1 - random()) * 20",
    "power(random(), 3) * 1000",
    "(random() * 50)::int",
    "random() + random() + random()",
    "exp(random() * 5)",
    "CASE WHEN random() < 0.02 THEN NULL ELSE random() * 10 END",
    "floor(random() * 8)",
    "random() * random() * 100",
]


# -- data ---------------------------------------------------------------------


def create(rows: int) -> str:
    admin = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DATABASE}"
    engine = sa.create_engine(url)
    columns = ", ".join(
        [f"{c} double precision" for c in NUMERICAL]
        + [f"{c} text" for c in CATEGORICAL]
        + ["score double precision", "pred integer", "label integer"]
    )
    values = ", ".join(
        [f"{d} AS {c}" for c, d in zip(NUMERICAL, DISTRIBUTIONS, strict=True)]
        + [
            "(ARRAY['a','b','c','d'])[1 + floor(random() * 4)::int] AS c0",
            "(ARRAY['eu','us','apac'])[1 + floor(random() * 3)::int] AS c1",
            "'k' || floor(random() * 50)::int AS c2",
        ]
    )
    insert = (
        "INSERT INTO logs SELECT CAST(:start AS timestamptz) "
        f"+ (i::float8 * :span / :n) * interval '1 second', {values}, "
        "s, (s >= 0.5)::int, (random() < s)::int FROM ("
        "SELECT i, random() AS s FROM generate_series(0, :n - 1) AS i) AS g"
    )
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE logs (ts timestamptz, {columns})"))
        for start, span, n in (
            (REFERENCE_START, 7 * 86400, REFERENCE_ROWS),
            (CURRENT_START, DAYS * 86400, rows),
        ):
            conn.execute(sa.text(insert), {"start": start, "span": span, "n": n})
        conn.execute(sa.text("CREATE INDEX logs_ts ON logs (ts)"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE logs"))
    engine.dispose()
    print(f"created {REFERENCE_ROWS + rows:,} rows in {time.perf_counter() - started:.0f} s")
    return url


def drop() -> None:
    admin = sa.create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    admin.dispose()


# -- a relay counting the bytes PostgreSQL sends ----------------------------------


class CountingRelay:
    """Listens on a loopback port and relays each connection to PostgreSQL,
    counting the bytes that flow from the server to the client."""

    def __init__(self) -> None:
        self.received = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(UPSTREAM)
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, count: bool) -> None:
        try:
            while data := source.recv(1 << 16):
                if count:
                    with self._lock:
                        self.received += len(data)
                target.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, target):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._listener.close()


# -- one measurement in a subprocess ----------------------------------------------


def child(url: str, mode: str, days: int) -> None:
    """Build the profile, wait for the parent, then run the measured window."""
    from monitor.config.models import MonitorConfig
    from monitor.runner import Runner

    config = MonitorConfig.model_validate(
        {
            "name": "bench",
            "source_url": url,
            "table": "logs",
            "timestamp_column": "ts",
            "numerical": NUMERICAL,
            "categorical": CATEGORICAL,
            "prediction": "pred",
            "prediction_score": "score",
            "target": "label",
            "task": "binary_classification",
            "performance": [{"metric": "accuracy"}, {"metric": "f1"}],
            "current": {"last": f"{days}d"},
            "reference": {
                "start": REFERENCE_START.isoformat(),
                "end": (REFERENCE_START + timedelta(days=7)).isoformat(),
            },
            "schedule": "every 1d",
            "mode": mode,
            "report": {"enabled": False},
        }
    )
    end = CURRENT_START + timedelta(days=DAYS)
    runner = Runner()
    imported = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    warm = runner.run(config, end - timedelta(days=DAYS + 1))  # reads the reference only
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"warm": warm.status.value}), flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    result = runner.run(config, end)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    figures = {
        "status": result.status.value,
        "error": result.error,
        "rows": result.rows_current,
        "seconds": seconds,
        "peak_rss": peak,
        "imported_rss": imported,
        "profiled_rss": before,
        "scores": {c.column: c.score for c in result.columns},
    }
    print(json.dumps(figures), flush=True)


def measure(relay: CountingRelay, url: str, mode: str, days: int, timeout: float) -> dict[str, Any]:
    relayed = sa.engine.make_url(url).set(port=relay.port).render_as_string(hide_password=False)
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", mode, str(days), relayed],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        json.loads(process.stdout.readline())
        before = relay.received
        process.stdin.write("go\n")
        process.stdin.flush()
        line = process.stdout.readline()
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return {"status": "timeout"}
    if not line:
        return {"status": f"died (exit {process.returncode})"}
    figures: dict[str, Any] = json.loads(line)
    figures["bytes"] = relay.received - before
    return figures


def show(mode: str, figures: dict[str, Any]) -> None:
    if "seconds" not in figures:
        print(f"{mode:>9}  {'':>11}  {figures['status']}")
        return
    mb = 2**20
    print(
        f"{mode:>9}  {figures['rows']:>11,}  {figures['seconds']:>8.1f} s  "
        f"{figures['peak_rss'] / mb:>8.0f} MB  {figures['bytes'] / mb:>10.2f} MB  "
        f"({figures['imported_rss'] / mb:.0f} MB after imports, "
        f"{figures['profiled_rss'] / mb:.0f} MB with the reference profile)"
        + (f"  {figures['status']}: {figures['error']}" if figures["error"] else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--skip-rows-at-max", action="store_true", help="no row mode at --rows")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, days, url = args.child
        child(url, mode, int(days))
        return
    url = create(args.rows)
    relay = CountingRelay()
    try:
        print(f"{'mode':>9}  {'rows':>11}  {'time':>10}  {'peak RSS':>11}  {'from database':>13}")
        sys.stdout.flush()
        results: dict[tuple[str, int], dict[str, Any]] = {}
        plan = [("aggregate", 1), ("rows", 1), ("aggregate", DAYS)]
        if not args.skip_rows_at_max:
            plan.append(("rows", DAYS))
        for mode, days in plan:
            results[(mode, days)] = found = measure(relay, url, mode, days, args.timeout)
            show(mode, found)
            sys.stdout.flush()
        small_agg, small_rows = results[("aggregate", 1)], results[("rows", 1)]
        big_agg = results[("aggregate", DAYS)]
        if "seconds" in small_agg and "seconds" in small_rows:
            print(
                f"at {small_agg['rows']:,} rows: aggregate / rows time "
                f"{small_agg['seconds'] / small_rows['seconds']:.2f}, peak RSS "
                f"{small_agg['peak_rss'] / small_rows['peak_rss']:.2f}, bytes "
                f"{small_agg['bytes'] / small_rows['bytes']:.5f}"
            )
        if "seconds" in small_agg and "seconds" in big_agg:
            print(
                f"aggregate mode, {big_agg['rows']:,} rows against {small_agg['rows']:,}: "
                f"peak RSS x{big_agg['peak_rss'] / small_agg['peak_rss']:.2f}, bytes "
                f"x{big_agg['bytes'] / small_agg['bytes']:.2f}"
            )
    finally:
        relay.close()
        drop()
    print(f"command: .venv/bin/python bench/aggregate.py --rows {args.rows}")


if __name__ == "__main__":
    main()
