"""``/reports/...``: the HTML reports folder, and nothing outside it.

A request path is refused (404) when any segment is empty-dot, ``..`` or
hidden (``.name``, e.g. a report being written), holds a backslash or NUL, or
when the file it resolves to, symlinks followed, lies outside the folder.
The path arrives percent-decoded exactly once, so ``%2e%2e`` is ``..``
(refused) and ``%252e%252e`` is a literal name (not found).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from monitor.config.models import ServiceConfig
from monitor.reports.paths import url_of
from monitor.service.http.deps import DaemonDep
from monitor.service.http.models import ErrorResponse

INDEX = "index.html"
LATEST = "latest.html"

router = APIRouter(tags=["reports"])


def resolve_report(root: Path, relative: str) -> Path | None:
    """The file ``relative`` names inside ``root`` (a folder's ``index.html`` for a folder),
    or None when it does not exist or is not inside ``root``."""
    if "\x00" in relative or "\\" in relative:
        return None
    parts = relative.split("/")
    if relative.startswith("/") or any(p in (".", "..") or p.startswith(".") for p in parts if p):
        return None
    try:
        base = root.resolve(strict=True)
        target = base.joinpath(*[p for p in parts if p]).resolve(strict=True)
        if target.is_dir():
            target = (target / INDEX).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target


def latest_report_url(service: ServiceConfig, monitor: str) -> str | None:
    """Link to the monitor's latest report when the reports folder has one (a path
    on this server unless ``service.public_url`` is set)."""
    relative = f"{monitor}/{LATEST}"
    if resolve_report(Path(service.reports_dir), relative) is None:
        return None
    return url_of(service.public_url, relative)


_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {}}, "description": "The report file"},
    404: {"model": ErrorResponse, "description": "No such report inside the reports folder"},
}


def _serve(daemon: DaemonDep, path: str) -> FileResponse:
    found = resolve_report(Path(daemon.config.service.reports_dir), path)
    if found is None:
        raise HTTPException(404, detail="report not found")
    return FileResponse(
        found,
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/reports/", response_class=FileResponse, responses=_RESPONSES, summary="Reports index")
def reports_index(daemon: DaemonDep) -> FileResponse:
    return _serve(daemon, "")


@router.get(
    "/reports/{path:path}",
    response_class=FileResponse,
    responses=_RESPONSES,
    summary="A report file (a folder gives its index.html)",
)
def report(path: str, daemon: DaemonDep) -> FileResponse:
    return _serve(daemon, path)
