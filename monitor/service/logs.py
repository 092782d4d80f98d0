"""Service logging: one line per run, as text or as JSON for log collectors."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from monitor.config.models import MonitorConfig
from monitor.result import RunResult, RunStatus
from monitor.runner import RunData

RUN_LOGGER = "driftwarden.runs"


class RunLog:
    """A sink writing one log line per run: monitor, window, status, duration, drift."""

    name = "run_log"
    needs_store = False

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._log = logger or logging.getLogger(RUN_LOGGER)

    def publish(self, monitor: MonitorConfig, result: RunResult, data: RunData | None) -> None:
        fields: dict[str, Any] = {
            "monitor": result.monitor,
            "run_id": result.run_id,
            "window_end": result.window_end.isoformat(),
            "status": result.status.value,
            "duration_seconds": round(result.duration_seconds, 3),
            "drifted_columns": result.drifted_columns,
        }
        if result.error:
            fields["error"] = result.error
        drifted = ",".join(result.drifted_columns) or "-"
        message = (
            f"run monitor={result.monitor} window_end={fields['window_end']} "
            f"status={result.status.value} duration={result.duration_seconds:.3f}s "
            f"drifted={drifted} run_id={result.run_id}"
        )
        if result.error:
            message += f" error={result.error}"
        level = logging.WARNING if result.status is RunStatus.ERROR else logging.INFO
        self._log.log(level, "%s", message, extra={"run": fields})

    def stored(self, result: RunResult, stored: RunResult) -> None:
        """A run logged before it could be stored has now been written."""
        self._log.info(
            "run monitor=%s window_end=%s stored late run_id=%s",
            stored.monitor,
            stored.window_end.isoformat(),
            stored.run_id,
            extra={
                "run": {
                    "monitor": stored.monitor,
                    "run_id": stored.run_id,
                    "window_end": stored.window_end.isoformat(),
                    "status": stored.status.value,
                    "stored_late": True,
                }
            },
        )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and a run's fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        run = getattr(record, "run", None)
        if isinstance(run, dict):
            out.update(run)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure_logging(level: str, fmt: str = "text", stream: TextIO | None = None) -> None:
    """Send every log record to ``stream`` (stderr) as text or JSON lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper()))
