"""Passwords out of text that may be shown: logs, error messages, stored results.

Kept free of other imports: the config errors use it at load time.
"""

from __future__ import annotations

import re

_URL_PASSWORD = re.compile(r"(://[^/:@\s'\"]*):[^@\s'\"]*@")


def mask_passwords(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@host`` replaced by
    ``***`` (also in URLs too malformed to parse)."""
    return _URL_PASSWORD.sub(r"\1:***@", text)
