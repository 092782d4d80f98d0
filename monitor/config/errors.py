"""Config errors that name the monitor, the field and what was expected."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from monitor.masking import mask_passwords


class ConfigError(Exception):
    """One or more problems with a config file, each a readable line."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        listing = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid config {source}:\n{listing}")


def describe_validation_error(error: ValidationError, raw: dict[str, Any]) -> list[str]:
    """Turn pydantic's errors into lines such as
    ``monitor 'churn': field 'drift.columns.age.method': unknown drift test ...``."""
    lines = []
    for item in error.errors(include_url=False):
        location = list(item["loc"])
        prefix = _where(location, raw, key_last=item["type"] == "extra_forbidden")
        message = _message(item)
        lines.append(f"{prefix}: {message}" if prefix else message)
    return lines


def _where(location: list[Any], raw: dict[str, Any], *, key_last: bool = False) -> str:
    if len(location) >= 2 and location[0] == "monitors" and isinstance(location[1], int):
        index = location[1]
        monitors = raw.get("monitors")
        name = None
        if isinstance(monitors, list) and index < len(monitors):
            entry = monitors[index]
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                name = entry["name"]
        who = f"monitor {name!r}" if name else f"monitor #{index + 1}"
        field = _dotted(location[2:], key_last=key_last)
        return f"{who}: field {field!r}" if field else who
    field = _dotted(location, key_last=key_last)
    return f"field {field!r}" if field else ""


_VALIDATOR_STEP = re.compile(r"^(function-(before|after|wrap|plain)|tagged-union)\[")
"""Steps pydantic adds to an error's location (not keys of the file)."""


def _dotted(parts: list[Any], *, key_last: bool = False) -> str:
    """``a.b[0].c``; with ``key_last`` the last part is a key of the file, whatever it reads."""
    out = ""
    for i, part in enumerate(parts):
        if isinstance(part, int):
            out += f"[{part}]"
        elif _VALIDATOR_STEP.match(str(part)) and not (key_last and i == len(parts) - 1):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(item: Any) -> str:
    kind = item["type"]
    if kind == "extra_forbidden":
        return "unknown key (not a driftwarden option; check the spelling)"
    if kind == "missing":
        return "required but missing"
    message = str(item["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    if kind.endswith("_type") or kind.endswith("_parsing"):
        secret = any(str(part) in SECRET_FIELDS for part in item["loc"])
        shown = "a value that is not shown" if secret else _short(item.get("input"))
        message = f"{message} (got {shown})"
    return mask_passwords(message)


SECRET_FIELDS = frozenset({"api_token", "password"})
"""Options whose values never appear in an error message."""


def _short(value: Any, limit: int = 80) -> str:
    """``repr`` of an offending value, cut to ``limit`` characters."""
    try:
        text = repr(value)
    except RecursionError:
        text = f"a deeply nested {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."
