"""What the alerts sink adds to each run, and what a delivery cycle costs.

100 monitors x 20 columns; each window, every column drifts with probability 0.3
(a new draw per window, so column alerts fire and resolve all the time: a worst
case for writes). For each run, in the same process:

- baseline: ``Store.save`` of the run (what every run costs already);
- alerts: ``AlertSink.publish`` (rules, state machine, writes of changed alerts);

then one sender cycle delivering every due alert to an in-process Alertmanager
stand-in (httpx MockTransport answering 200), and a cycle with nothing due.

    .venv/bin/python bench/alert_overhead.py [--monitors 100] [--windows 10] [--store-url URL]

The scheduler never waits for deliveries (they run on the sender's thread); the
figure that matters for it is the publish time per run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fleet import config_text, parse, synthetic_run
from monitor.alerts import AlertSink
from monitor.store import Store

COMMAND = ".venv/bin/python bench/alert_overhead.py"
END = datetime(2026, 3, 2, 12, tzinfo=UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=100)
    parser.add_argument("--windows", type=int, default=10)
    parser.add_argument("--store-url", default=None, help="results database (default: SQLite)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        store_url = args.store_url or f"sqlite:///{Path(tmp) / 'results.db'}"
        text = config_text(
            args.monitors,
            "sqlite:///unused.db",
            store_url,
            schedule="every 1m",
            reference=(END - timedelta(days=3), END - timedelta(days=2)),
        )
        head, first, rest = text.partition("\n[[monitors]]")
        alerting = '\n[alerting]\nalertmanager_urls = ["http://am:9093"]\n'
        config = parse(head + alerting + first + rest)
        store = Store.open(store_url)
        now = [END]
        posted = [0]

        def answer(request: httpx.Request) -> httpx.Response:
            posted[0] += 1
            return httpx.Response(200)

        sink = AlertSink(config, store, clock=lambda: now[0], transport=httpx.MockTransport(answer))
        sink.reconfigure(config)
        sink.engine.start()

        saves: list[float] = []
        publishes: list[float] = []
        cpu: list[float] = []
        cycles: list[tuple[float, int]] = []
        for window in range(args.windows):
            end = END + timedelta(minutes=window)
            now[0] = end + timedelta(seconds=30)
            for i, monitor in enumerate(config.monitors):
                run = synthetic_run(config, i, end, seed=window * 1000 + i)
                start = time.perf_counter()
                run_id = store.save(run)
                saves.append(time.perf_counter() - start)
                stored = replace(run, run_id=run_id)
                start, start_cpu = time.perf_counter(), time.thread_time()
                sink.publish(monitor, stored, None)
                publishes.append(time.perf_counter() - start)
                cpu.append(time.thread_time() - start_cpu)
            firing = sum(sink.engine.firing_counts().values())
            start = time.perf_counter()
            sink.sender.cycle()
            cycles.append((time.perf_counter() - start, firing))
        start = time.perf_counter()
        sink.sender.cycle()
        idle = time.perf_counter() - start
        store.close()

    def ms(values: list[float]) -> str:
        ordered = sorted(values)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        return f"median {statistics.median(values) * 1000:7.2f} ms   p99 {p99 * 1000:7.2f} ms"

    runs = len(publishes)
    print(
        f"store: {store_url.split(':')[0]}; {args.monitors} monitors x 20 columns, "
        f"{args.windows} windows ({runs} runs), 30% of columns drifting, redrawn per window"
    )
    print(f"Store.save (baseline)   {ms(saves)}")
    print(f"AlertSink.publish       {ms(publishes)}")
    print(f"  of which CPU          {ms(cpu)}  (the rest is waiting for the database)")
    ratio = statistics.median(publishes) / statistics.median(saves)
    print(f"publish / save (median) {ratio:.2f}x")
    delivered = sink.sender.outcomes()["delivered"]
    per_cycle = statistics.median(t for t, _ in cycles)
    alerts = statistics.median(n for _, n in cycles)
    print(
        f"sender cycle            median {per_cycle * 1000:7.1f} ms with ~{alerts:.0f} firing "
        f"alerts ({delivered} delivered in {posted[0]} POSTs over {len(cycles)} cycles)"
    )
    print(f"sender cycle, idle      {idle * 1000:7.1f} ms")
    store_arg = f" --store-url {args.store_url}" if args.store_url else ""
    print(f"command: {COMMAND} --monitors {args.monitors} --windows {args.windows}{store_arg}")


if __name__ == "__main__":
    main()
