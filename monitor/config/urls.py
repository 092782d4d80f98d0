"""URLs in the config, checked at load time: databases (sources, the results database)
and HTTP(S) (Alertmanagers, the public base URL)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import make_url

from monitor.masking import mask_passwords


def check_database_url(url: str) -> str:
    """``url`` unchanged when SQLAlchemy can parse it; ValueError (password masked) otherwise."""
    try:
        make_url(url)
    except Exception:  # ArgumentError, ValueError (a port that is not a number), ...
        raise ValueError(
            f"invalid database URL {mask_passwords(url)!r}; expected "
            "'dialect[+driver]://user:password@host:port/database' such as "
            "'postgresql://reader@db.example:5432/predictions' or 'sqlite:///file.db'"
        ) from None
    return url


def check_http_url(url: str, what: str) -> str:
    """``url`` without a trailing slash; ValueError unless it is http(s) with a host and a
    valid port."""
    expected = f"expected an http:// or https:// URL of the {what}, such as 'https://host:port'"
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"{expected}, got {without_password(url)!r}")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port out of range or not a number
    except ValueError as exc:
        raise ValueError(f"invalid {what} URL {without_password(url)!r}: {exc}") from None
    if not parts.hostname:
        raise ValueError(f"{expected}, got {without_password(url)!r} (no host)")
    if parts.password is not None:
        instead = (
            "give credentials in [alerting.basic_auth] instead"
            if what == "Alertmanager"
            else "leave credentials out of it"
        )
        raise ValueError(
            f"the {what} URL {without_password(url)!r} holds a password; {instead} "
            "(URLs are shown in logs and stored with results)"
        )
    return url.rstrip("/")


def without_password(url: str) -> str:
    """``url`` with the password of its user info replaced by ``***``."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        password = None
        parts = None
    if parts is None:
        user_info, at, _ = url.partition("://")[2].partition("/")[0].rpartition("@")
        if at and ":" in user_info:
            return url.replace(user_info, user_info.split(":", 1)[0] + ":***", 1)
        return url
    if password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
