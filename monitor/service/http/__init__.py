"""The HTTP API (FastAPI): health, metrics, monitors and runs, reports."""

from monitor.service.http.app import create_app
from monitor.service.http.deps import DaemonDep, daemon_of, require_token

__all__ = ["DaemonDep", "create_app", "daemon_of", "require_token"]
