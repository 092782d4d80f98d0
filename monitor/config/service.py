"""The ``[service]`` table: results database, HTTP listener, workers, timeouts, replicas."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from pydantic import (
    Field,
    SecretStr,
    field_validator,
)

from monitor.config.base import Strict
from monitor.config.fields import duration_value
from monitor.config.replicas import (
    DEFAULT_LEADER_CHECK,
    DEFAULT_LEADER_LOCK_KEY,
    check_leader_check,
)
from monitor.config.urls import check_database_url, check_http_url

if TYPE_CHECKING:
    from monitor.config.models import MonitorConfig

DEFAULT_TOKEN_ENV = "DRIFTWARDEN_API_TOKEN"
MAX_DEFAULT_RUN_TIMEOUT = timedelta(minutes=10)


class ServiceConfig(Strict):
    """The ``[service]`` table: where results live and how ``driftwarden serve`` runs."""

    store_url: str = "sqlite:///driftwarden.db"
    """The results database (SQLite or PostgreSQL URL)."""
    reports_dir: str = "reports"
    """Folder of the HTML reports (relative paths start at the working directory)."""
    public_url: str | None = None
    """Base URL under which people reach this service, e.g. ``https://driftwarden.example.com``.

    Links in alerts and the API (``report_url``) start with it; without it they are
    paths only (``/reports/<monitor>/<file>.html``)."""
    listen: str = "127.0.0.1:8000"
    """``host:port`` (``[v6address]:port`` for IPv6) the HTTP API and ``/metrics`` listen on."""
    api_token: SecretStr | None = None
    """Bearer token required by the write endpoints (``POST /api/...``). When unset, the
    environment variable named by ``api_token_env`` is used; when neither is set the
    write endpoints are open (only sensible on a loopback ``listen`` address)."""
    api_token_env: str = Field(default=DEFAULT_TOKEN_ENV, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """Environment variable read for the token when ``api_token`` is not set."""
    run_timeout: timedelta | None = None
    """Longest a run may take (reading and checking); a run past it is recorded as
    ``error``. Default: half the monitor's schedule interval, at most 10 minutes."""
    workers: int = Field(default=4, ge=1, le=64)
    """Runs of different monitors executed at the same time (one run per monitor at most)."""
    shutdown_grace: timedelta = timedelta(seconds=30)
    """On SIGTERM/SIGINT, how long running runs may take to finish before they are
    recorded as cut short and the service exits."""
    leader_check: timedelta = DEFAULT_LEADER_CHECK
    """With a PostgreSQL results database: how often each replica checks the leader lock
    (the leader that it still holds it, a standby whether it can take it)."""
    leader_lock_key: int = Field(default=DEFAULT_LEADER_LOCK_KEY, ge=-(2**63), le=2**63 - 1)
    """The PostgreSQL advisory lock key shared by the replicas of one deployment."""

    store_buffer: int = Field(default=1000, ge=1, le=1_000_000)
    """Run results kept in memory while the results database does not answer (oldest
    dropped first when full); they are written, in order, when it answers again."""
    store_retry: timedelta = timedelta(seconds=5)
    """How often buffered results are tried again while the results database is down."""

    _parse = field_validator(
        "run_timeout", "shutdown_grace", "store_retry", "leader_check", mode="before"
    )(duration_value)
    _leader_check = field_validator("leader_check")(check_leader_check)
    _store_url = field_validator("store_url")(check_database_url)

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        parse_listen(value)
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return check_http_url(value, "service as people reach it")

    @property
    def host(self) -> str:
        return parse_listen(self.listen)[0]

    @property
    def port(self) -> int:
        return parse_listen(self.listen)[1]

    def token(self, environ: Mapping[str, str]) -> str | None:
        """The API token: ``api_token``, else the ``api_token_env`` variable, else None."""
        if self.api_token is not None and self.api_token.get_secret_value():
            return self.api_token.get_secret_value()
        return environ.get(self.api_token_env) or None

    def run_timeout_for(self, monitor: MonitorConfig) -> timedelta:
        """The timeout of one run of ``monitor``."""
        if self.run_timeout is not None:
            return self.run_timeout
        half = monitor.parsed_schedule.nominal_interval() / 2
        return min(half, MAX_DEFAULT_RUN_TIMEOUT)


def parse_listen(value: str) -> tuple[str, int]:
    """Split ``host:port`` or ``[v6]:port``; raise ValueError saying what was expected."""
    expected = "expected 'host:port' such as '127.0.0.1:8000' (IPv6: '[::1]:8000')"
    text = value.strip()
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise ValueError(f"invalid listen address {value!r}; {expected}")
        port_text = rest[1:]
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep or ":" in host:
            raise ValueError(f"invalid listen address {value!r}; {expected}")
    if not host or not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise ValueError(f"invalid listen address {value!r}; {expected}")
    return host, int(port_text)
