"""The exceptions driftwarden raises on purpose.

A run turns any of these into a recorded ``error`` status with the message;
the service keeps running.

- :class:`SourceError`: the source database cannot be read (unreachable,
  missing table or column, failing query).
- :class:`DataError`: the data read does not fit the monitor (e.g. text in a
  numerical column).
- :class:`StoreError`: the results database cannot be opened (``driftwarden`` commands
  exit with its message rather than a traceback).
- :class:`monitor.config.ConfigError` (in ``monitor.config``): the config file is invalid.
"""

from __future__ import annotations


class DriftwardenError(Exception):
    """Base of driftwarden's own errors."""


class SourceError(DriftwardenError):
    """Reading the monitor's source failed."""


class DataError(DriftwardenError):
    """The data read cannot be used as configured."""


class StoreError(DriftwardenError):
    """The results database cannot be opened or brought to the current schema."""
