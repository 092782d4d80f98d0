"""Request dependencies: the daemon behind the app, and the bearer token check."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from monitor.service.daemon import Daemon

bearer = HTTPBearer(
    auto_error=False,
    description="`[service] api_token` (or its environment variable); "
    "required by the write endpoints when set.",
)


def daemon_of(request: Request) -> Daemon:
    daemon: Daemon = request.app.state.daemon
    return daemon


DaemonDep = Annotated[Daemon, Depends(daemon_of)]


def require_token(
    daemon: DaemonDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> None:
    """401 unless the request carries the configured token (compared in constant time)."""
    expected = daemon.api_token()
    if expected is None:
        return
    given = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        raise HTTPException(
            status_code=401,
            detail="missing or wrong bearer token (Authorization: Bearer <service.api_token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )


Authorized = Depends(require_token)
