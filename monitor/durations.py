"""Durations written as ``30s``, ``15m``, ``1h``, ``7d``, ``2w`` (or combined: ``1h30m``)."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)\s*([smhdw])")
_WHOLE = re.compile(r"^\s*(?:\d+\s*[smhdw]\s*)+$")
MAX_DURATION = timedelta(days=36_500)
"""The longest duration accepted (100 years): longer ones are typos, and dates
computed from them would leave the calendar."""


def parse_duration(text: str) -> timedelta:
    """Parse a duration; raise ValueError naming the accepted form otherwise."""
    if not isinstance(text, str) or not _WHOLE.match(text.lower()):
        raise ValueError(
            f"invalid duration {_short(text)}; expected a number and a unit s, m, h, d or w, "
            "such as '15m', '1h' or '7d'"
        )
    parts = _PART.findall(text.lower())
    if any(len(n.lstrip("0")) > 12 for n, _ in parts):  # int() of 4,300+ digits raises
        seconds = MAX_DURATION // timedelta(seconds=1) + 1
    else:
        seconds = sum(int(n) * _UNITS[unit] for n, unit in parts)
    if seconds <= 0:
        raise ValueError(f"invalid duration {_short(text)}; it must be longer than zero")
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(
            f"invalid duration {_short(text)}; expected at most {MAX_DURATION.days} days"
        )
    return timedelta(seconds=seconds)


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_duration(value: timedelta) -> str:
    """The shortest exact spelling of a duration, e.g. ``1h30m``."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
