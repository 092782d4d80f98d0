"""``driftwarden backfill``: evaluate every window of a past range (see :mod:`monitor.backfill`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from monitor.backfill import MAX_WINDOWS, Progress, backfill, ticks


def add_parser(
    sub: Any,
    config_arg: Callable[[argparse.ArgumentParser], None],
    timestamp: Callable[[str], Any],
) -> None:
    parser = sub.add_parser(
        "backfill",
        help="evaluate every window of a past range and store the results and reports",
        description="Run the monitor on every window ending at a schedule tick between "
        "--from and --to (both included), oldest first. Windows already stored are "
        "skipped (so an interrupted backfill resumes) unless --force.",
    )
    config_arg(parser)
    parser.add_argument("--monitor", required=True, help="the monitor")
    parser.add_argument(
        "--from", dest="start", type=timestamp, required=True, help="ISO timestamp (UTC if naive)"
    )
    parser.add_argument(
        "--to", dest="end", type=timestamp, required=True, help="ISO timestamp (UTC if naive)"
    )
    parser.add_argument(
        "--force", action="store_true", help="run windows again even when already stored"
    )
    parser.add_argument("--no-report", action="store_true", help="write no HTML reports")
    parser.set_defaults(handler=run_backfill)


def run_backfill(args: argparse.Namespace) -> int:
    from monitor.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, _publisher
    from monitor.config import load_config
    from monitor.pipeline import Pipeline
    from monitor.reports import ReportSink
    from monitor.runner import Runner
    from monitor.store import Store

    config = load_config(args.config)
    try:
        monitor = config.monitor(args.monitor)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return EXIT_USAGE
    if args.start > args.end:
        print(
            f"--from ({args.start.isoformat()}) is after --to ({args.end.isoformat()})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    count = 0
    for count, _ in enumerate(ticks(monitor, args.start, args.end), start=1):
        if count > MAX_WINDOWS:
            print(
                f"monitor {monitor.name!r}: the range holds more than {MAX_WINDOWS:,} windows "
                f"of its schedule ({monitor.parsed_schedule.describe()}); split it",
                file=sys.stderr,
            )
            return EXIT_USAGE
    store = Store.open(config.service.store_url)
    runner = Runner()
    sinks = []
    if not args.no_report and monitor.report.enabled:
        sinks.append(ReportSink(_publisher(config, store, runner)))
    try:
        summary = backfill(
            Pipeline(runner, store, sinks),
            monitor,
            args.start,
            args.end,
            force=args.force,
            progress=Progress(sys.stderr, count, f"backfill {monitor.name}"),
        )
    finally:
        runner.engines.dispose()
        store.close()
    print(summary.describe(monitor.name), flush=True)
    return EXIT_FAILED if summary.failed else EXIT_OK
