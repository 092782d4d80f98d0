"""HTTP(S) URLs in the config (Alertmanagers, the public base URL), checked at load time."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


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
