"""Alertmanager's API v2: ``POST /api/v2/alerts`` with a list of alerts.

The httpx transport is injectable (tests put faults in it); basic auth and the
TLS options of ``[alerting]`` apply to the default transport.

Answers:

- 2xx: accepted;
- a connection error, a timeout, 5xx, 401/403/404/408/429: try again later
  (the server is down, overloaded, or not yet reachable as configured);
- any other 4xx (400 invalid labels, 422 invalid body): rejected; Alertmanager
  stores the valid alerts of a batch and refuses only the invalid ones, so the
  batch is not sent again until the alerts change.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import httpx

from monitor.alerts.state import Alert, State
from monitor.config.alerts import AlertingConfig

ALERTS_PATH = "/api/v2/alerts"
RETRY_STATUSES = frozenset({401, 403, 404, 408, 429})


class Outcome(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    """Not accepted this time; tried again after a backoff."""
    REJECTED = "rejected"
    """Refused as invalid; not tried again until the alert changes."""


@dataclass(frozen=True)
class PostResult:
    outcome: Outcome
    detail: str = ""


def timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as Alertmanager writes them."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def payload(alert: Alert, *, now: datetime, ends_ahead: timedelta) -> dict[str, Any]:
    """One postable alert. A firing alert's ``endsAt`` lies ``ends_ahead`` past ``now``
    (Alertmanager resolves it by itself if no resend comes); a resolved one's is its
    ``ends_at``."""
    if alert.state is State.RESOLVED:
        assert alert.ends_at is not None
        ends = alert.ends_at
    else:
        ends = now + ends_ahead
    body: dict[str, Any] = {
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "startsAt": timestamp(alert.starts_at),
        "endsAt": timestamp(ends),
    }
    if alert.generator_url:
        body["generatorURL"] = alert.generator_url
    return body


def ssl_context(config: AlertingConfig) -> ssl.SSLContext:
    tls = config.tls
    context = ssl.create_default_context(cafile=tls.ca_file)
    if tls.insecure_skip_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if tls.cert_file is not None:
        context.load_cert_chain(tls.cert_file, tls.key_file)
    return context


class AlertmanagerClient:
    def __init__(
        self, config: AlertingConfig, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        auth = None
        if config.basic_auth is not None:
            auth = httpx.BasicAuth(config.basic_auth.username, config.basic_auth.secret())
        seconds = config.timeout.total_seconds()
        self._client = httpx.Client(
            transport=transport,
            verify=ssl_context(config) if transport is None else True,
            auth=auth,
            timeout=httpx.Timeout(seconds, connect=min(seconds, 5.0)),
            headers={"User-Agent": "driftwarden"},
        )

    def post(self, base_url: str, alerts: Sequence[Mapping[str, Any]]) -> PostResult:
        try:
            response = self._client.post(base_url + ALERTS_PATH, json=list(alerts))
        except httpx.HTTPError as exc:
            return PostResult(Outcome.FAILED, f"{type(exc).__name__}: {exc}")
        if response.is_success:
            return PostResult(Outcome.DELIVERED)
        detail = f"HTTP {response.status_code}: {response.text[:500].strip()}"
        if response.status_code >= 500 or response.status_code in RETRY_STATUSES:
            return PostResult(Outcome.FAILED, detail)
        return PostResult(Outcome.REJECTED, detail)

    def close(self) -> None:
        self._client.close()
