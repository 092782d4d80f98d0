"""Configuration: pydantic models of ``config.toml`` and the loader."""

from monitor.config.errors import ConfigError
from monitor.config.loader import load_config, parse_config
from monitor.config.models import (
    Config,
    CurrentWindow,
    DriftConfig,
    Metric,
    MonitorConfig,
    PerformanceCheck,
    ReferenceWindow,
    ReportConfig,
    ServiceConfig,
    Task,
)

__all__ = [
    "Config",
    "ConfigError",
    "CurrentWindow",
    "DriftConfig",
    "Metric",
    "MonitorConfig",
    "PerformanceCheck",
    "ReferenceWindow",
    "ReportConfig",
    "ServiceConfig",
    "Task",
    "load_config",
    "parse_config",
]
