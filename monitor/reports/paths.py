"""Where reports live on disk and under which URL they are served.

``<reports_dir>/<monitor>/<stamp>.html`` holds the report of the window ending
at ``<stamp>`` (UTC, ``YYYYMMDDTHHMMSSZ``: sortable, no colons, safe in a URL and
on every file system); ``<reports_dir>/<monitor>/latest.html`` is a copy of the
newest one and ``<reports_dir>/index.html`` lists them all. The service serves
the folder under ``/reports/``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

REPORTS_URL_PATH = "/reports/"
"""Path under which the HTTP server serves the reports folder."""
INDEX_NAME = "index.html"
LATEST_NAME = "latest.html"
_STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_REPORT_NAME = re.compile(r"^(\d{8}T\d{6}Z)\.html$")


def stamp(window_end: datetime) -> str:
    """``2026-03-01 12:00 UTC`` → ``20260301T120000Z``."""
    if window_end.tzinfo is None:
        window_end = window_end.replace(tzinfo=UTC)
    return window_end.astimezone(UTC).strftime(_STAMP_FORMAT)


def report_name(window_end: datetime) -> str:
    return f"{stamp(window_end)}.html"


def parse_report_name(name: str) -> datetime | None:
    """The window end a report file is named after, or None for any other file."""
    match = _REPORT_NAME.match(name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), _STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def check_monitor_name(monitor: str) -> str:
    """A monitor name is one folder name: no separators, not ``.`` or ``..``."""
    if not monitor or monitor in (".", "..") or "/" in monitor or "\\" in monitor:
        raise ValueError(f"monitor name {monitor!r} cannot name a folder of reports")
    return monitor


def monitor_dir(root: Path, monitor: str) -> Path:
    return root / check_monitor_name(monitor)


def report_relpath(monitor: str, window_end: datetime) -> str:
    """The report's path relative to the reports folder (stored on the run)."""
    return f"{check_monitor_name(monitor)}/{report_name(window_end)}"


def report_url(public_url: str | None, monitor: str, window_end: datetime) -> str:
    """The URL of a report as served: ``<public_url>/reports/<monitor>/<stamp>.html``.

    Without ``public_url`` the URL is a path on the service's own server. Alerts
    can use it before the report exists: the report sink runs after them and
    writes the file under this name (or records ``report_error`` on the run).
    """
    return url_of(public_url, report_relpath(monitor, window_end))


def url_of(public_url: str | None, relpath: str) -> str:
    """The served URL of a path inside the reports folder (e.g. a run's ``report_path``)."""
    path = REPORTS_URL_PATH + quote(relpath)
    if public_url is None:
        return path
    return public_url.rstrip("/") + path


def index_url(public_url: str | None) -> str:
    if public_url is None:
        return REPORTS_URL_PATH
    return public_url.rstrip("/") + REPORTS_URL_PATH
