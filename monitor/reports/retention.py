"""Which of a monitor's reports to remove: older than ``keep_days`` or past ``keep_last``.

Both limits apply together; the newest report (the one ``latest.html`` copies)
is never removed. Ages are measured from each report's window end, read from
its file name, so the outcome does not depend on file times.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from monitor.config.models import ReportConfig
from monitor.reports.atomic import remove_stale_temps
from monitor.reports.paths import parse_report_name

log = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class ReportFile:
    window_end: datetime
    name: str


def list_reports(folder: Path) -> list[ReportFile]:
    """The dated reports in a monitor's folder, newest first (``latest.html`` excluded)."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    found = []
    for entry in entries:
        window_end = parse_report_name(entry.name)
        if window_end is not None and entry.is_file(follow_symlinks=False):
            found.append(ReportFile(window_end, entry.name))
    return sorted(found, reverse=True)


def expired(
    reports: Sequence[ReportFile],
    *,
    keep_days: int | None,
    keep_last: int | None,
    now: datetime,
) -> list[ReportFile]:
    """The reports to remove; ``reports`` in any order."""
    newest_first = sorted(reports, reverse=True)
    cutoff = None if keep_days is None else now - timedelta(days=keep_days)
    out = []
    for position, report in enumerate(newest_first):
        if position == 0:
            continue
        too_many = keep_last is not None and position >= keep_last
        too_old = cutoff is not None and report.window_end < cutoff
        if too_many or too_old:
            out.append(report)
    return out


def apply_retention(folder: Path, config: ReportConfig, *, now: datetime) -> list[ReportFile]:
    """Remove expired reports (and stale temporary files) from ``folder``; return the removed."""
    remove_stale_temps(folder, now=now.timestamp())
    removed = []
    for report in expired(
        list_reports(folder), keep_days=config.keep_days, keep_last=config.keep_last, now=now
    ):
        try:
            (folder / report.name).unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("could not remove expired report %s: %s", folder / report.name, exc)
            continue
        removed.append(report)
    return removed
