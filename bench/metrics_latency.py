"""Latency of GET /metrics with 100 monitors x 20 columns in the store.

The results are restored from the store at start (as after a restart), the app
is served by a real uvicorn on a loopback port, and requests are sent one after
another on a keep-alive connection:

- steady: nothing changed between scrapes;
- churning: before each scrape, 25 monitors publish a new result (100 monitors on
  a one-minute schedule scraped every 15 s); as in the service, their lines are
  rewritten by the publishing thread, not timed here.

Baselines in the same process: GET /healthz on the same server, and
prometheus-client's own text writer (``generate_latest``) on the same registry.

    .venv/bin/python bench/metrics_latency.py [--monitors 100] [--requests 1000]

Target: p99 under 50 ms.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
from prometheus_client import generate_latest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fleet import config_text, fill_store, parse, synthetic_run
from monitor.runner import utcnow
from monitor.service.daemon import Daemon
from monitor.service.http import create_app
from monitor.service.httpserver import HttpServer
from monitor.store import Store
from tests.servers import free_port

COMMAND = ".venv/bin/python bench/metrics_latency.py"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(
    client: httpx.Client, path: str, count: int, before: Callable[[int], None] | None = None
) -> tuple[list[float], int]:
    latencies = []
    size = 0
    for i in range(count):
        if before is not None:
            before(i)
        began = time.perf_counter()
        response = client.get(path)
        latencies.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
        size = len(response.content)
    return latencies, size


def line(label: str, values: list[float], note: str = "") -> str:
    return (
        f"{label:<26} median {statistics.median(values):7.2f} ms   "
        f"p99 {percentile(values, 0.99):7.2f} ms   {note}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=100)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=25, help="monitors changed per scrape")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        now = utcnow()
        port = free_port()
        store_url = f"sqlite:///{Path(tmp) / 'results.db'}"
        text = config_text(
            args.monitors,
            f"sqlite:///{Path(tmp) / 'unused-source.db'}",
            store_url,
            schedule="every 1d",
            reference=(now - timedelta(days=9), now - timedelta(days=2)),
            listen=f"127.0.0.1:{port}",
        )
        config = parse(text)
        store = Store.open(store_url)
        window_end = config.monitors[0].parsed_schedule.floor(now)
        rows = fill_store(store, config, window_end)
        daemon = Daemon(config, store)
        server = HttpServer(create_app(daemon), "127.0.0.1", port)
        server.start()
        daemon.start()
        stored = {name: item.last for name, item in daemon.latest.snapshot().items()}
        fresh = [
            dataclasses.replace(synthetic_run(config, i, window_end, seed=1000 + i), run_id=i + 1)
            for i in range(args.monitors)
        ]

        def churn(i: int) -> None:
            for k in range(args.changed):
                index = (i * args.changed + k) % args.monitors
                monitor = config.monitors[index]
                result = fresh[index] if i % 2 == 0 else stored[monitor.name]
                assert result is not None
                for sink in (daemon.latest, daemon.exporter):
                    sink.publish(monitor, result, None)

        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
                timed(client, "/metrics", 20)
                timed(client, "/healthz", 20)
                steady, size = timed(client, "/metrics", args.requests)
                churning, _ = timed(client, "/metrics", args.requests, churn)
                health, _ = timed(client, "/healthz", args.requests)
                series = sum(
                    1
                    for t in client.get("/metrics").text.splitlines()
                    if t.startswith("driftwarden_")
                )
            ours, theirs = [], []
            for _ in range(20):
                began = time.perf_counter()
                daemon.exporter.render()
                ours.append((time.perf_counter() - began) * 1000)
                began = time.perf_counter()
                generate_latest(daemon.exporter.registry)
                theirs.append((time.perf_counter() - began) * 1000)
        finally:
            daemon.stop(grace=1)
            server.stop()
            store.close()

    print(f"command: {COMMAND} --monitors {args.monitors} --requests {args.requests}")
    print(
        f"store: {args.monitors} monitors x 20 columns ({rows} column results); "
        f"exposition {size / 1024:.0f} KiB, {series} driftwarden_ series"
    )
    print(line("GET /metrics, steady", steady, f"({args.requests} requests)"))
    print(line("GET /metrics, churning", churning, f"({args.changed} monitors changed per scrape)"))
    print(line("GET /healthz (baseline)", health))
    print(line("render, in process", ours))
    print(line("prometheus-client writer", theirs, "(same registry, baseline)"))
    m99 = max(percentile(steady, 0.99), percentile(churning, 0.99))
    print(
        f"ratios: /metrics steady to /healthz median "
        f"{statistics.median(steady) / statistics.median(health):.1f}x; prometheus-client writer "
        f"to ours {statistics.median(theirs) / statistics.median(ours):.0f}x"
    )
    print(f"target p99 < 50 ms: {'met' if m99 < 50 else 'NOT met'} (worst p99 {m99:.2f} ms)")


if __name__ == "__main__":
    main()
