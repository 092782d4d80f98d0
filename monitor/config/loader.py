"""Read ``config.toml``: TOML, then ``${ENV_VAR}`` interpolation, then validation.

``${NAME}`` is replaced by the variable (an error when it is not set);
``${NAME:-default}`` by the variable when it is set and not empty, else by ``default``
(the shell's and Compose's rule), so one file serves a laptop and a container."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from monitor.config.aggregate import check_aggregate
from monitor.config.errors import ConfigError, describe_validation_error
from monitor.config.models import Config, MonitorConfig
from monitor.stats import (
    FeatureType,
    ScoreKind,
    StatTestRegistry,
    UnknownStatTestError,
    build_registry,
)

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def load_config(
    path: str | Path,
    *,
    environ: Mapping[str, str] | None = None,
    registry: StatTestRegistry | None = None,
) -> Config:
    """Load and validate a config file; raise :class:`ConfigError` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read the file: {exc.strerror or exc}"]) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            str(path), [f"the file is not UTF-8 text (byte {exc.start}: {exc.reason})"]
        ) from exc
    return parse_config(text, source=str(path), environ=environ, registry=registry)


def parse_config(
    text: str,
    *,
    source: str = "<string>",
    environ: Mapping[str, str] | None = None,
    registry: StatTestRegistry | None = None,
) -> Config:
    try:
        return _parse(text, source, os.environ if environ is None else environ, registry)
    except RecursionError:
        raise ConfigError(source, ["the document is nested too deeply to read"]) from None


def _parse(
    text: str, source: str, environ: Mapping[str, str], registry: StatTestRegistry | None
) -> Config:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [f"not valid TOML: {exc}"]) from exc
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise ConfigError(source, [f"not valid TOML: {exc}"]) from exc
    problems: list[str] = []
    expanded = _interpolate(raw, environ, [], problems)
    if problems:
        raise ConfigError(source, problems)
    try:
        config = Config.model_validate(expanded)
    except ValidationError as exc:
        raise ConfigError(source, describe_validation_error(exc, expanded)) from exc
    registry = registry or build_registry()
    for monitor in config.monitors:
        problems.extend(check_drift_methods(monitor, registry))
        problems.extend(check_aggregate(monitor, registry))
    if problems:
        raise ConfigError(source, problems)
    return config


def check_drift_methods(monitor: MonitorConfig, registry: StatTestRegistry) -> list[str]:
    """Drift test names must be registered and apply to the column's type."""
    problems = []
    drift = monitor.drift
    wanted: list[tuple[str, str, FeatureType | None]] = []
    if drift.numerical_method:
        wanted.append(("drift.numerical_method", drift.numerical_method, FeatureType.NUMERICAL))
    if drift.categorical_method:
        wanted.append(
            ("drift.categorical_method", drift.categorical_method, FeatureType.CATEGORICAL)
        )
    for column, override in drift.columns.items():
        if override.method is None:
            continue
        kind: FeatureType | None = None
        if column in (monitor.numerical or []):
            kind = FeatureType.NUMERICAL
        elif column in (monitor.categorical or []):
            kind = FeatureType.CATEGORICAL
        wanted.append((f"drift.columns.{column}.method", override.method, kind))
    for field, name, kind in wanted:
        try:
            registry.get(name, kind)
        except UnknownStatTestError as exc:
            problems.append(f"monitor {monitor.name!r}: field {field!r}: {exc}")
    if drift.min_effect is not None:
        problems.extend(_check_effect_methods(monitor, registry))
    return problems


def _check_effect_methods(monitor: MonitorConfig, registry: StatTestRegistry) -> list[str]:
    """The effect-size guard needs distance tests of the right column type."""
    guard = monitor.drift.min_effect
    assert guard is not None
    problems = []
    for kind, name in (
        (FeatureType.NUMERICAL, guard.numerical_method),
        (FeatureType.CATEGORICAL, guard.categorical_method),
    ):
        field = f"drift.min_effect.{kind.value}_method"
        distances = [
            n for n in registry.names(kind) if registry.get(n).score_kind is ScoreKind.DISTANCE
        ]
        try:
            test = registry.get(name, kind)
        except UnknownStatTestError as exc:
            problems.append(f"monitor {monitor.name!r}: field {field!r}: {exc}")
            continue
        if test.score_kind is not ScoreKind.DISTANCE:
            problems.append(
                f"monitor {monitor.name!r}: field {field!r}: {name!r} gives a p-value, not an "
                f"effect size; expected one of: {', '.join(distances)}"
            )
    return problems


def _interpolate(
    value: Any, environ: Mapping[str, str], path: list[str], problems: list[str]
) -> Any:
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if default is not None:
                return environ.get(name) or default
            if name not in environ:
                where = ".".join(path) or "(top level)"
                problems.append(
                    f"field {where!r}: environment variable {name!r} is not set "
                    f"(referenced as ${{{name}}})"
                )
                return match.group(0)
            return environ[name]

        return _ENV.sub(substitute, value)
    if isinstance(value, dict):
        return {k: _interpolate(v, environ, [*path, str(k)], problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, environ, [*path, str(i)], problems) for i, v in enumerate(value)]
    return value
