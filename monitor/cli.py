"""The ``driftwarden`` command line."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor import __version__
from monitor.cli_backfill import add_parser as add_backfill_parser
from monitor.config import Config, ConfigError, MonitorConfig, load_config
from monitor.config.labels import describe as describe_labels
from monitor.durations import parse_duration
from monitor.errors import StoreError
from monitor.pipeline import Pipeline
from monitor.reevaluation import Reevaluator, reevaluation_line
from monitor.render import summary_table
from monitor.reports import ReportOutcome, ReportPublisher, ReportSink, report_url
from monitor.result import RunResult, RunStatus
from monitor.runner import Runner
from monitor.service.logs import configure_logging
from monitor.source import mask_url
from monitor.store import Store
from monitor.windows import as_utc, window_end_for

EXIT_OK = 0
EXIT_DRIFT = 1
EXIT_USAGE = 2
EXIT_FAILED = 3

CONFIG_ENV = "DRIFTWARDEN_CONFIG"
"""Environment variable naming the default config file (the container image sets it)."""

log = logging.getLogger("driftwarden")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    level = args.log_level or getattr(args, "default_log_level", "warning")
    configure_logging(level, getattr(args, "log_format", "text"))
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USAGE
    try:
        code: int = args.handler(args)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except StoreError as exc:
        print(f"driftwarden: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="driftwarden",
        description="Watch ML models in production: drift tests, performance checks, alerts.",
    )
    parser.add_argument("--version", action="version", version=f"driftwarden {__version__}")
    parser.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        help="default: info for serve, warning otherwise",
    )
    sub = parser.add_subparsers(metavar="COMMAND")

    serve = sub.add_parser(
        "serve", help="run the service: scheduler, HTTP API and /metrics, until SIGTERM"
    )
    _config_arg(serve)
    serve.add_argument(
        "--log-format",
        choices=["text", "json"],
        default="text",
        help="json: one JSON object per line, for log collectors",
    )
    serve.set_defaults(handler=_cmd_serve, default_log_level="info")

    run = sub.add_parser("run", help="run monitors once and store the results")
    _config_arg(run)
    run.add_argument("--monitor", action="append", help="only this monitor (repeatable)")
    run.add_argument(
        "--at",
        type=_timestamp,
        help="evaluate the window ending at the last tick at or before this ISO timestamp "
        "(default: now)",
    )
    run.add_argument("--format", choices=["table", "json"], default="table")
    run.add_argument(
        "--fail-on-drift", action="store_true", help="exit 1 when dataset drift is detected"
    )
    run.add_argument(
        "--no-report", action="store_true", help="do not write HTML reports for these runs"
    )
    run.set_defaults(handler=_cmd_run)

    report = sub.add_parser(
        "report", help="rebuild the HTML report of a past window (reads the windows again)"
    )
    _config_arg(report)
    report.add_argument("--monitor", required=True, help="the monitor")
    report.add_argument(
        "--at",
        type=_timestamp,
        required=True,
        help="the window ending at the last tick at or before this ISO timestamp",
    )
    report.set_defaults(handler=_cmd_report)

    add_backfill_parser(sub, _config_arg, _timestamp)

    check = sub.add_parser("check-config", help="validate a config file and summarise it")
    check.add_argument(
        "path", nargs="?", default=_default_config(), help=f"default: ${CONFIG_ENV} or config.toml"
    )
    check.set_defaults(handler=_cmd_check_config)

    db = sub.add_parser("db", help="results database maintenance")
    db_sub = db.add_subparsers(metavar="ACTION")
    upgrade = db_sub.add_parser("upgrade", help="apply pending schema migrations")
    _config_arg(upgrade)
    upgrade.set_defaults(handler=_cmd_db_upgrade)

    demo = sub.add_parser(
        "demo", help="create demo.db with synthetic logs and run the demo monitor"
    )
    _config_arg(demo)
    demo.add_argument("--days", type=int, default=30, help="days of logs (default 30)")
    demo.add_argument(
        "--step",
        type=parse_duration,
        default=timedelta(hours=12),
        help="time between evaluated windows (default 12h)",
    )
    demo.add_argument("--database", type=Path, default=Path("demo.db"))
    demo.add_argument("--no-report", action="store_true", help="write no HTML reports")
    demo.set_defaults(handler=_cmd_demo)
    return parser


def _default_config() -> str:
    return os.environ.get(CONFIG_ENV) or "config.toml"


def _config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        default=_default_config(),
        help=f"config file (default: ${CONFIG_ENV}, else config.toml)",
    )


def _timestamp(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid timestamp {text!r}; expected ISO-8601 such as 2026-03-01T12:00:00Z"
        ) from None
    return as_utc(value)


def _select(config: Config, names: Sequence[str] | None) -> list[str]:
    if not names:
        return [m.name for m in config.monitors]
    for name in names:
        config.monitor(name)
    return list(names)


def _cmd_run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    try:
        names = _select(config, args.monitor)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return EXIT_USAGE
    if not names:
        print(f"{args.config}: no monitors configured", file=sys.stderr)
        return EXIT_USAGE
    store = Store.open(config.service.store_url)
    runner = Runner()
    reports = None
    if not args.no_report:
        reports = ReportSink(_publisher(config, store, runner))
    pipeline = Pipeline(runner, store, [reports] if reports else [])
    at = args.at or datetime.now(UTC)
    results: list[RunResult] = []
    try:
        for name in names:
            monitor = config.monitor(name)
            result = pipeline.run(monitor, window_end_for(monitor, at))
            results.append(result)
            outcome = reports.last.pop(name, None) if reports else None
            if args.format == "json":
                out = result.to_json()
                if outcome is not None:
                    out["report"] = {"path": outcome.path, "error": outcome.error}
                print(json.dumps(out), flush=True)
            else:
                print(summary_table(result), flush=True)
                if outcome is not None:
                    print(_report_line(config, outcome), flush=True)
            for again in Reevaluator(pipeline).run(monitor, result.window_end):
                results.append(again)
                text = reevaluation_line(again)
                print(json.dumps(again.to_json()) if args.format == "json" else text, flush=True)
    finally:
        runner.engines.dispose()
        store.close()
    if any(r.status is RunStatus.ERROR for r in results):
        return EXIT_FAILED
    if args.fail_on_drift and any(r.dataset_drift and r.dataset_drift.detected for r in results):
        return EXIT_DRIFT
    return EXIT_OK


def _publisher(config: Config, store: Store, runner: Runner) -> ReportPublisher:
    return ReportPublisher(
        Path(config.service.reports_dir),
        store,
        config.monitors,
        registry=runner.registry,
        clock=runner.clock,
    )


def _report_line(config: Config, outcome: ReportOutcome) -> str:
    if outcome.path is not None:
        return f"  report    {Path(config.service.reports_dir) / outcome.path}"
    if outcome.error is not None:
        return f"  report    not written: {outcome.error}"
    return f"  report    none: {outcome.skipped}"


def _cmd_report(args: argparse.Namespace) -> int:
    from monitor.reports.rebuild import rebuild

    config = load_config(args.config)
    try:
        monitor = config.monitor(args.monitor)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return EXIT_USAGE
    store = Store.open(config.service.store_url)
    runner = Runner()
    try:
        done = rebuild(
            monitor,
            args.at,
            runner=runner,
            store=store,
            publisher=_publisher(config, store, runner),
            now=runner.clock(),
        )
    finally:
        runner.engines.dispose()
        store.close()
    outcome = done.outcome
    if outcome.path is None:
        print(f"monitor {monitor.name!r}: {outcome.error or outcome.skipped}", file=sys.stderr)
        return EXIT_FAILED
    print(Path(config.service.reports_dir) / outcome.path)
    if config.service.public_url is not None:
        print(report_url(config.service.public_url, monitor.name, done.result.window_end))
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    from monitor.service.lifecycle import serve

    return serve(args.config)


def _cmd_check_config(args: argparse.Namespace) -> int:
    config = load_config(args.path)
    print(f"{args.path}: OK, {len(config.monitors)} monitor(s)")
    service = config.service
    print(f"  store: {mask_url(service.store_url)}   reports: {service.reports_dir}")
    token = "set" if service.token(os.environ) else "not set"
    print(f"  serve: listen {service.listen}, {service.workers} worker(s), API token {token}")
    print(f"  alerts: {config.alerting.describe()}")
    for m in config.monitors:
        source = f"table {m.table}" if m.table else "query"
        features = (
            f"numerical={m.numerical if m.numerical is not None else 'inferred'} "
            f"categorical={m.categorical if m.categorical is not None else 'inferred'}"
        )
        print(f"  - {m.name}: {mask_url(m.source_url)} {source}, {m.parsed_schedule.describe()}")
        print(f"      {features}")
        if m.mode == "aggregate":
            bins, groups = m.aggregate.quantile_bins, m.aggregate.max_groups
            print(
                f"      mode: aggregate (counted in the database; {bins} quantile bins, "
                f"at most {groups:,} groups per column)"
            )
        checks = ", ".join(c.metric.value for c in m.performance) or "none"
        print(f"      task={m.task.value if m.task else '-'} performance: {checks}")
        if m.estimated:
            print(f"      estimated (CBPE): {', '.join(c.metric for c in m.estimated)}")
        print(f"      labels: {describe_labels(m.labels)}")
        print(f"      report: {_describe_report(m)}")
        print(f"      alerts: {m.alerts.describe()}")
    return EXIT_OK


def _describe_report(monitor: MonitorConfig) -> str:
    r = monitor.report
    if not r.enabled:
        return "off"
    if monitor.mode == "aggregate":
        return "none in aggregate mode (the run fetches no rows)"
    days = f"{r.keep_days} days" if r.keep_days is not None else "any age"
    last = f"the last {r.keep_last}" if r.keep_last is not None else "any number"
    sample = f"{r.sample_rows:,} rows per window" if r.sample_rows is not None else "all rows"
    return f"on, keeping {last} up to {days}; Evidently panels on at most {sample}"


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    store = Store.open(config.service.store_url)
    store.close()
    print(f"results database {mask_url(config.service.store_url)} is at the newest schema")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from monitor.demo.run import demo_monitor, run_demo

    config = load_config(args.config)
    monitor = demo_monitor(config, args.database)
    store = Store.open(config.service.store_url)
    runner = Runner()
    try:
        run_demo(
            Pipeline(runner, store),
            monitor,
            None if args.no_report else _publisher(config, store, runner),
            args.database,
            now=datetime.now(UTC),
            days=args.days,
            step=args.step,
            say=lambda line: print(line, flush=True),
        )
    finally:
        runner.engines.dispose()
        store.close()
    print(f"results stored in {mask_url(config.service.store_url)}")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
