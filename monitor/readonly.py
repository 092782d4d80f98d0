"""Checks on a configured `query`: it must be one read-only SELECT.

Kept free of other driftwarden imports: the config models use it at load time.
"""

from __future__ import annotations

import re

_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_STRING = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")
_WRITE = re.compile(
    r"\b(insert|update|delete|merge|drop|alter|create|truncate|into)\b",
    re.IGNORECASE,
)


def check_select(query: str) -> str:
    """Return the query without a trailing semicolon, or raise ValueError saying why not."""
    body = _COMMENT.sub(" ", query).strip()
    if body.endswith(";"):
        body = body[:-1].rstrip()
    bare = _STRING.sub("''", body)
    if ";" in bare:
        raise ValueError("'query' must be a single statement (found ';' between statements)")
    first = bare.split(None, 1)[0].lower() if bare else ""
    if first not in ("select", "with"):
        raise ValueError(f"'query' must be a SELECT (or WITH ... SELECT), not {first.upper()!r}")
    found = _WRITE.search(bare)
    if found:
        raise ValueError(f"'query' must only read; it contains {found.group(1).upper()!r}")
    return body
